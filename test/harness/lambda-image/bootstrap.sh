#!/bin/sh
# /var/runtime/bootstrap of the offline nodejs24.x image: what Lambda's own bootstrap does for
# Node.js, in POSIX sh (busybox): module paths for layers, V8 heap limits from the function's
# memory, then the runtime interface client, which reads the Runtime API address, the handler
# and the task root from the environment the emulator sets.
export AWS_EXECUTION_ENV=AWS_Lambda_nodejs24.x
if [ -z "$NODE_PATH" ]; then
  export NODE_PATH=/opt/nodejs/node24/node_modules:/opt/nodejs/node_modules:/var/runtime/node_modules:/var/runtime:/var/task
fi
set --
if [ -n "$AWS_LAMBDA_FUNCTION_MEMORY_SIZE" ]; then
  new_space=$((AWS_LAMBDA_FUNCTION_MEMORY_SIZE / 10))
  set -- "--max-semi-space-size=$((new_space / 2))" "--max-old-space-size=$((AWS_LAMBDA_FUNCTION_MEMORY_SIZE - new_space))"
fi
exec /var/lang/bin/node --expose-gc --max-http-header-size 81920 "$@" /var/runtime/index.mjs
