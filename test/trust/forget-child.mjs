// Another process that forgets a subject in the key store while the test's process keeps writing.
import { SqliteKeyStore } from '../../dist/runtime/index.js';

const [, , keysPath, subject] = process.argv;
const keys = new SqliteKeyStore(keysPath, Buffer.alloc(32, 9));
const result = await keys.destroy(subject);
await keys.close();
process.stdout.write(`${JSON.stringify(result)}\n`);
