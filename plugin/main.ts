// Entry point of the `dploy` command.
import 'reflect-metadata';
import { runCli } from './cli.js';

process.exitCode = await runCli(process.argv);
