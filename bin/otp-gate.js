#!/usr/bin/env -S node --min-semi-space-size=16
// The same Node flags as the Docker image's ENTRYPOINT (why: the Dockerfile); a test keeps them equal.
import '../dist/cli.js';
