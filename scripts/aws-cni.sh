#!/bin/sh
# aws-cni: the vpc-ipamd CNI plugin, run by the container runtime once per pod start and stop.
# It runs the plugin's bundle with Node.js: next to this file once installed (aws-cni.cjs), or in
# cni/ inside dist/. A Node.js the install step placed beside it (vpc-ipamd-node) is preferred,
# since the host may have none of its own.
case "$0" in
*/*) here=${0%/*} ;;
*) here=. ;;
esac
bundle=$here/aws-cni.cjs
[ -f "$bundle" ] || bundle=$here/cni/aws-cni.cjs
node=$here/vpc-ipamd-node
[ -x "$node" ] || node=node
exec "$node" "$bundle" "$@"
