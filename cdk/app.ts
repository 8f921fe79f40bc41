#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { defineCollectorApp } from './collector-app.js';

/** `cdk.json` runs this through tsx: the collector stack from the `collector` context. */
const app = new App();
defineCollectorApp(app);
app.synth();
