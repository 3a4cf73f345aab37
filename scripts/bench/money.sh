#!/usr/bin/env bash
# The money property test at a larger scale than CI's four seeds: random histories through the
# real ledger (evidence late and shuffled, feeds delivered twice, deaths recorded late or never,
# holds and reinstatements, a payroll run each month), checking that each owed month is paid once,
# every month paid after a recorded death is claimed, and paid - claimed = owed, for every person.
# Usage: scripts/bench/money.sh [SEEDS] (default 40).
set -euo pipefail
cd "$(dirname "$0")/../.."
FASTCERT_MONEY_SEEDS=${1:-40} swift test --filter "moneyAddsUp" 2>&1 | grep -E "money property|passed|failed|error" | tail -n +1
