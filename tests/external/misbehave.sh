#!/bin/sh
# An external program that breaks the protocol the way $ZC_MISBEHAVE says,
# for tests/cli/external_protocol.sh: every case must end in a bounded
# error naming what happened, and leave no process behind.
case "${ZC_MISBEHAVE:-}" in
  die-before-ready) echo "misbehave: dying before ready" >&2; exit 3 ;;
  garbage) echo "hello there"; exec sleep 612 ;;
  silent) exec sleep 611 ;;  # never says ready: the startup-timeout ends it
  error) echo "error the disk is on fire" ;;
  die-after-go)
    echo ready
    read -r go <&4
    kill -9 $$ ;;
  no-done)
    echo ready
    read -r go <&4
    exec sleep 614 ;;  # the repetition's deadline ends it
  leave-child)
    # A helper that would outlive the program: the process group goes too.
    sleep 613 &
    echo ready
    read -r go <&4
    cat >&0 <&3
    exec 0>&-
    echo "done bytes=$ZC_SIZE"
    read -r eof <&4
    ;;
  *) echo "error ZC_MISBEHAVE='$ZC_MISBEHAVE' is not a case of misbehave.sh"; exit 2 ;;
esac
