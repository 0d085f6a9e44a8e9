#!/bin/sh
# placeholder: the smoke test the example blueprint names
exit 0
