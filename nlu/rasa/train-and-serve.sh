#!/bin/sh
# The `rasa` service's entrypoint: gather the training files (not the *_test.yml held
# out for evaluation) from $DATA/<language>/, train an NLU model, serve POST /model/parse
# on port 5005.
set -eu
DATA="${TELLER_NLU_DATA:-/teller-nlu-data}"
CONFIG="${TELLER_NLU_CONFIG:-/teller-nlu/config.yml}"
WORK="${TELLER_NLU_WORK:-/tmp/teller-train}"
MODELS="${TELLER_NLU_MODELS:-/app/models}"
mkdir -p "$WORK"
for file in "$DATA"/*/*.yml; do
  case "$file" in
    *_test.yml) ;;
    *) cp "$file" "$WORK/$(basename "$(dirname "$file")")-$(basename "$file")" ;;
  esac
done
rasa train nlu --nlu "$WORK" --config "$CONFIG" --out "$MODELS"
exec rasa run --enable-api --port 5005 --model "$MODELS"
