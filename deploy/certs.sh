#!/bin/sh
# certs.sh - CURVE certificates for a deployment, into deploy/certs/ (never committed):
#   server/server.cert_secret   ingestd's keypair (INGEST_CERT); server/server.cert is the public
#                               half every reporting unit's client needs
#   units/UNIT.cert_secret      one keypair per reporting unit, handed to that unit's staff
#   clients/UNIT.cert           the public halves: ingestd's allow-list (INGEST_CLIENTS_DIR)
# With DATABASE_URL set, planctl checks each unit against the stored catalog.
# Existing keys are kept: run it again after adding a unit to deploy/plan/resp_units.csv and only
# the new unit gets a key. Revoke a unit by deleting clients/UNIT.cert (new connections refused).
# server/ and units/ are 0700 and the secret keys 0600, owned by whoever runs this: under
# docker-compose the containers run as PLANWATCH_UID:PLANWATCH_GID from .env, so run it as that
# operator (PLANWATCH_UID=$(id -u)); run as root, `chown -R 10001:10001 deploy/certs/server
# deploy/certs/clients` afterwards for the image's default user.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
planctl=${PLANWATCH_BIN:-$top/bin}/planctl
dir=${CERT_DIR:-deploy/certs}
mkdir -p "$dir/server" "$dir/units" "$dir/clients"
chmod 700 "$dir/units" "$dir/server"
if [ ! -f "$dir/server/server.cert_secret" ]; then
    "$planctl" keys server "$dir/server" >/dev/null
    echo "certs: server keypair in $dir/server"
fi
made=0
# every responsible unit but the two system units that never report (LGO, P_SUPV)
for unit in $(tail -n +2 deploy/plan/resp_units.csv | cut -d, -f1 | grep -v -e '^LGO$' -e '^P_SUPV$'); do
    if [ ! -f "$dir/units/$unit.cert_secret" ]; then
        "$planctl" keys new "$unit" --dir "$dir/units" >/dev/null
        made=$((made + 1))
    fi
    cp "$dir/units/$unit.cert" "$dir/clients/$unit.cert"
done
echo "certs: $made new unit keypairs; $(ls "$dir/clients" | wc -l) units allowed ($dir/clients)"
