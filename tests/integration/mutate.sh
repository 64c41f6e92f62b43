#!/bin/bash
# The unit tier of the mutation list (tests/mutate/mutations/*.mut): every
# safety rule checked by a Check suite must be caught when broken on
# purpose.  One TAP line per mutation; the integration and lab tiers run
# outside CI (tests/mutate/run --tier integration,lab, as root).
exec bash "$(dirname "$0")/../mutate/run" --tier unit --tap
