import { z } from 'zod';
import { specSchema } from './src/spec/schema.ts';
const s = z.toJSONSchema(specSchema, { target: 'draft-7', io: 'input' });
console.log(JSON.stringify(s).length, Object.keys(s));
console.log(JSON.stringify(s.properties.types, null, 1).slice(0, 1500));
