// Torii's sample pipeline as a whole process, for the whole-process rows of
// `./dev bench`: read the export, parse it with uDSV, build the file with the
// sample's createJsonFile, write it to stdout. What an admin would run if the
// 40-line sample were a command line.
//
//   node js/bench/sample-cli.mjs FILE > torii.json

import { readFileSync } from 'node:fs';
import { contender } from './contenders.mjs';

const run = await contender('sample-udsv');
process.stdout.write(run(readFileSync(process.argv[2], 'utf8')));
