#!/usr/bin/env bash
# Walks every flow of docs/api-flows.md against a running system (`make run`), printing the
# HTTP status of each step and stopping at the first unexpected one.
#
#   scripts/api-flows.sh                 # steps that wait for a date or a timer are skipped
#   TIME_TRAVEL=1 scripts/api-flows.sh   # ...or the clock is moved on in the local database
#
# Waiting steps: closing a competition (after its deadline for offers, at least 21 days
# after the announcement, art. 13 ust. 1) and everything after it; a small grant's award
# (after the 7 days of publication, art. 19a ust. 3); an opinion lapsing (14 days, then the
# consultations timer). With TIME_TRAVEL=1 the script moves just these dates of the records
# it created into the past in the local database (as the integration tests do) and goes on.
# Every run uses fresh NIPs, so it can be run again on the same .data/.
set -euo pipefail
cd "$(dirname "$0")/.."

REGISTRY=${REGISTRY:-http://127.0.0.1:8001}
GRANTS=${GRANTS:-http://127.0.0.1:8002}
CONSULTATIONS=${CONSULTATIONS:-http://127.0.0.1:8003}
MONGO_URI=${MONGO_URI:-mongodb://127.0.0.1:${WSPOLPRACA_EMBEDDED_MONGO_PORT:-27027}/?directConnection=true}
TIME_TRAVEL=${TIME_TRAVEL:-0}
PY=.venv/bin/python

command -v jq >/dev/null || { echo "jq is needed (apt-get install -y jq)" >&2; exit 2; }
OUT=$(mktemp)
trap 'rm -f "$OUT"' EXIT

# --- helpers -----------------------------------------------------------------------------

STEP=0
RESPONSE=''
STATUS=''
# request METHOD URL TOKEN [JSON]: sets STATUS and RESPONSE
request() {
    local method=$1 url=$2 token=$3 data=${4-}
    local args=(-s -o "$OUT" -w '%{http_code}' -X "$method" "$url")
    [[ -n $token ]] && args+=(-H "Authorization: Bearer $token")
    [[ -n $data ]] && args+=(-H 'Content-Type: application/json' -d "$data")
    STATUS=$(curl "${args[@]}")
    RESPONSE=$(tr -d '\000' <"$OUT")  # a PDF has NUL bytes
}

# report EXPECTED LABEL METHOD URL: prints the step, stops unless STATUS is EXPECTED
report() {
    local expected=$1 label=$2 method=$3 url=$4
    STEP=$((STEP + 1))
    printf '%3d  %s  %-6s %-72s %s\n' "$STEP" "$STATUS" "$method" "${url#http://127.0.0.1:}" \
        "$label"
    if [[ ! $STATUS =~ ^($expected)$ ]]; then
        echo "     expected $expected, got $STATUS: $RESPONSE" >&2
        exit 1
    fi
}

# call EXPECTED LABEL METHOD URL TOKEN [JSON]: EXPECTED is a status or several, e.g. 200|409
call() {
    request "${@:3}"
    report "$@"
}

# like call, but a 422 is retried for up to 10 s: the registry's events take a moment to
# reach the organisations that grants and consultations keep (a refused request changes
# nothing, so repeating it is safe)
call_projected() {
    local tries=0
    request "${@:3}"
    while [[ $STATUS == 422 ]] && ((tries < 40)); do
        sleep 0.25
        tries=$((tries + 1))
        request "${@:3}"
    done
    report "$@"
}

# code CODE: the error of the last step has this code
code() {
    [[ $(jq -r .error.code <<<"$RESPONSE") == "$1" ]] || { echo "     expected $1: $RESPONSE" >&2; exit 1; }
}

skip() { printf '     SKIP  %s\n' "$*"; }
section() { printf '\n== %s\n' "$*"; }
id() { jq -r .id <<<"$RESPONSE"; }
field() { jq -r "$1" <<<"$RESPONSE"; }

# move_clock DATABASE COLLECTION ID FIELD: set FIELD of one record a second into the past,
# in the local database (what the integration tests do to let the clock move on)
move_clock() {
    "$PY" - "$MONGO_URI" "$@" <<'EOF'
import sys
from datetime import UTC, datetime, timedelta
from pymongo import MongoClient
uri, database, collection, record_id, field = sys.argv[1:6]
with MongoClient(uri) as client:
    result = client[database][collection].update_one(
        {"_id": record_id}, {"$set": {field: datetime.now(UTC) - timedelta(seconds=1)}})
    assert result.matched_count == 1, (collection, record_id)
EOF
    printf '     TIME  %s.%s.%s of %s set a second into the past (local database)\n' "$1" "$2" "$4" "$3"
}

fresh_nip() {  # 10 digits: the 10th is the weighted sum of the first 9 mod 11 (never 10)
    local weights=(6 5 7 2 3 4 5 6 7) digits sum i
    while :; do
        digits=$(printf '%d%08d' $((RANDOM % 9 + 1)) $(((RANDOM * 32768 + RANDOM) % 100000000)))
        sum=0
        for i in 0 1 2 3 4 5 6 7 8; do sum=$((sum + ${digits:i:1} * weights[i])); done
        if ((sum % 11 != 10)); then echo "$digits$((sum % 11))"; return; fi
    done
}

# register_verified NAME AREAS_JSON: registers and verifies an organisation; sets ORG
register_verified() {
    call 201 "organization.registered" POST "$REGISTRY/api/v1/organizations" "$NGO" \
        "{\"name\":\"$1\",\"legal_form\":\"foundation\",\"nip\":\"$(fresh_nip)\",
          \"areas\":$2,\"email\":\"biuro@example.pl\"}"
    ORG=$(id)
    call 200 "organization.verified" POST "$REGISTRY/api/v1/organizations/$ORG/verify" "$OFFICER"
}

# represented ID_VAR TOKEN_VAR NAME AREAS_JSON: a registered and verified organisation, its id
# in ID_VAR and a token of its representative in TOKEN_VAR
represented() {
    local token
    register_verified "$3" "$4"
    token=$(make -s token ROLE=ngo ORG="$ORG")   # (a failing make stops the script)
    printf -v "$1" %s "$ORG"
    printf -v "$2" %s "$token"
}

OFFICER=$(make -s token ROLE=officer)
NGO=$(make -s token ROLE=ngo)
YEAR=$(($(TZ=Europe/Warsaw date +%Y) + 1))
TODAY=$(TZ=Europe/Warsaw date +%F)
DEADLINE_DAY=$(date -d "$TODAY +25 days" +%F)  # at least 21 days after the announcement
DEADLINE=$(TZ=Europe/Warsaw date -d "$DEADLINE_DAY 12:00" +%FT%T%:z)

# --- 1. an open competition, from the programme to a settled contract --------------------

section "Open competition (grants): programme -> announcement -> offer -> committee -> results -> contract -> settlement"
represented ORG_ID NGO_ORG "Fundacja Teatr Ulicy" '["culture"]'

call '201|409' "programme.drafted (409 duplicate_year: the year's programme exists)" \
    POST "$GRANTS/api/v1/programmes" "$OFFICER" \
    "{\"year\":$YEAR,\"title\":\"Program współpracy na $YEAR rok\",
      \"goals\":[\"Wzmacnianie aktywności obywatelskiej\"],
      \"priority_tasks\":[{\"area\":\"culture\",\"task\":\"Festiwale osiedlowe\"}],
      \"funds\":[{\"area\":\"culture\",\"amount\":\"1000000.00\"},
                 {\"area\":\"sport\",\"amount\":\"50000.00\"}]}"
if [[ $(field .id) != null ]]; then
    PROGRAMME_ID=$(id)
    call 200 "(no event) consulted" POST "$GRANTS/api/v1/programmes/$PROGRAMME_ID/consult" "$OFFICER"
    call 200 "programme.adopted" POST "$GRANTS/api/v1/programmes/$PROGRAMME_ID/adopt" "$OFFICER"
else
    call 200 "the existing programme" GET "$GRANTS/api/v1/programmes?year=$YEAR" "$OFFICER"
    PROGRAMME_ID=$(field '.items[0].id')
    if [[ $(field '.items[0].status') != adopted ]]; then
        call 200 "programme.adopted" POST "$GRANTS/api/v1/programmes/$PROGRAMME_ID/adopt" "$OFFICER"
    fi
fi

call 201 "(no event) draft" POST "$GRANTS/api/v1/competitions" "$OFFICER" \
    "{\"title\":\"Organizacja festiwali osiedlowych\",\"area\":\"culture\",\"mode\":\"supporting\",
      \"budget\":\"8000.00\",\"submission_deadline\":\"$DEADLINE\",
      \"task_start\":\"$YEAR-03-01\",\"task_end\":\"$YEAR-10-31\",\"min_own_contribution_pct\":\"10\",
      \"criteria\":[{\"name\":\"Jakość\",\"max_points\":10},{\"name\":\"Koszty\",\"max_points\":5}],
      \"task_description\":\"Festiwale w dzielnicach\",\"award_rules\":\"Zgodnie z programem\"}"
COMPETITION_ID=$(id)
call 200 "competition.announced" POST "$GRANTS/api/v1/competitions/$COMPETITION_ID/announce" "$OFFICER"
call 200 "(public) announced" GET "$GRANTS/api/v1/competitions/$COMPETITION_ID" ""

call_projected 201 "offer.submitted" POST "$GRANTS/api/v1/competitions/$COMPETITION_ID/offers" "$NGO_ORG" \
    "{\"organization_id\":\"$ORG_ID\",\"title\":\"Festiwal na Bałutach\",\"requested_amount\":\"7900.00\",
      \"own_contribution\":{\"financial\":\"1600.00\",\"non_financial\":\"500.00\",
                            \"volunteer_work\":{\"hours\":\"10\",\"hourly_rate\":\"40.00\"}},
      \"total_cost\":\"10000.00\",\"task_start\":\"$YEAR-03-01\",\"task_end\":\"$YEAR-10-31\",
      \"cost_items\":[{\"name\":\"Scena\",\"amount\":\"6000.00\"},{\"name\":\"Honoraria\",\"amount\":\"4000.00\"}]}"
OFFER_ID=$(id)
call 409 "deadline_not_passed: offers are taken until $DEADLINE" \
    POST "$GRANTS/api/v1/competitions/$COMPETITION_ID/close" "$OFFICER"
code deadline_not_passed

if [[ $TIME_TRAVEL == 1 ]]; then
    move_clock grants competitions "$COMPETITION_ID" submission_deadline
    # the grants timer closes it within a minute too; whichever comes first
    call '200|409' "competition.closed (409: the timer closed it first)" \
        POST "$GRANTS/api/v1/competitions/$COMPETITION_ID/close" "$OFFICER"
    call 200 "closed" GET "$GRANTS/api/v1/competitions/$COMPETITION_ID" "$OFFICER"
    [[ $(field .status) == closed ]] || { echo "not closed: $RESPONSE" >&2; exit 1; }

    call 201 "committee.appointed (competition under_evaluation)" \
        POST "$GRANTS/api/v1/competitions/$COMPETITION_ID/committee" "$OFFICER" \
        '{"members":[{"user_id":"official-1","name":"Anna Urzędnik","kind":"official"}]}'
    MEMBER=$("$PY" -m wspolpraca.auth --role committee --sub official-1)
    call 200 "(no event) no conflict of interest" \
        POST "$GRANTS/api/v1/competitions/$COMPETITION_ID/committee/declaration" "$MEMBER" \
        '{"no_conflict_of_interest":true}'
    call 201 "offer.scored" POST "$GRANTS/api/v1/offers/$OFFER_ID/scores" "$MEMBER" \
        '{"scores":[{"criterion":"Jakość","points":8,"comment":"Dobry program"},{"criterion":"Koszty","points":4}]}'
    call 200 "(no event) ranking with proposed awards" \
        GET "$GRANTS/api/v1/competitions/$COMPETITION_ID/ranking" "$OFFICER"
    call 200 "grant.awarded (partial), competition.resolved" \
        POST "$GRANTS/api/v1/competitions/$COMPETITION_ID/results" "$OFFICER" \
        "{\"awards\":[{\"offer_id\":\"$OFFER_ID\",\"amount\":\"7000.00\"}]}"
    call 200 "(public) results" GET "$GRANTS/api/v1/competitions/$COMPETITION_ID/results" ""

    call 200 "(no event) budget updated to the lower grant" \
        POST "$GRANTS/api/v1/offers/$OFFER_ID/budget-update" "$NGO_ORG" \
        '{"total_cost":"9100.00","own_contribution":{"financial":"1600.00","non_financial":"500.00"},
          "cost_items":[{"name":"Scena","amount":"5100.00"},{"name":"Honoraria","amount":"4000.00"}]}'
    call 201 "contract.signed" POST "$GRANTS/api/v1/contracts" "$OFFICER" \
        "{\"offer_id\":\"$OFFER_ID\",\"signed_on\":\"$TODAY\",
          \"schedule\":[{\"activity\":\"Festiwal\",\"starts_on\":\"$YEAR-06-01\",\"ends_on\":\"$YEAR-06-03\"}],
          \"tranches\":[{\"amount\":\"5000.00\",\"due_on\":\"$YEAR-03-01\"},
                        {\"amount\":\"2000.00\",\"due_on\":\"$YEAR-07-01\"}]}"
    CONTRACT_ID=$(id)
    call 200 "(no event) in_progress" POST "$GRANTS/api/v1/contracts/$CONTRACT_ID/start" "$OFFICER"
    call 201 "task_report.submitted" POST "$GRANTS/api/v1/contracts/$CONTRACT_ID/report" "$NGO_ORG" \
        '{"achieved_results":"Trzy festiwale, 2400 uczestników.","activities":"Koncerty, warsztaty.",
          "expenses":[{"source":"grant","name":"Scena","amount":"6500.00"},
                      {"source":"own_financial","name":"Honoraria","amount":"1600.00"}],
          "personal_contribution":"400.00","in_kind_contribution":"100.00","volunteer_hours":"40"}'
    call 200 "task_report.accepted (unused 500.00 due)" \
        POST "$GRANTS/api/v1/contracts/$CONTRACT_ID/report/accept" "$OFFICER"
    [[ $(field .unused_amount) == 500.00 ]] || { echo "unused: $RESPONSE" >&2; exit 1; }
    call 200 "contract.settled" POST "$GRANTS/api/v1/contracts/$CONTRACT_ID/settle" "$OFFICER" \
        '{"returned_amount":"500.00"}'
    [[ $(field .status) == settled ]] || { echo "not settled: $RESPONSE" >&2; exit 1; }
else
    skip "closing waits for the deadline for offers ($DEADLINE; the grants timer then closes it"
    skip "within a minute); committee, scores, results, budget update, contract, report and"
    skip "settlement follow it. TIME_TRAVEL=1 runs them now."
fi

# --- 2. a small grant without a competition (art. 19a) -----------------------------------

section "Small grant (grants): submission -> 7 days of publication with comments -> award"
represented SMALL_ORG_ID NGO_SMALL "Stowarzyszenie Muzyka w Parku" '["culture"]'
call_projected 201 "small_grant.submitted" POST "$GRANTS/api/v1/small-grants" "$NGO_SMALL" \
    "{\"organization_id\":\"$SMALL_ORG_ID\",\"area\":\"culture\",\"title\":\"Koncert w parku\",
      \"requested_amount\":\"5000.00\",\"own_contribution\":{\"financial\":\"100.00\",\"non_financial\":\"0.00\"},
      \"total_cost\":\"5100.00\",\"task_start\":\"$YEAR-04-01\",\"task_end\":\"$YEAR-06-29\",
      \"cost_items\":[{\"name\":\"Nagłośnienie\",\"amount\":\"5100.00\"}]}"
SMALL_ID=$(id)
call 200 "small_grant.published (comments_until = +7 days)" \
    POST "$GRANTS/api/v1/small-grants/$SMALL_ID/publish" "$OFFICER"
call 201 "small_grant.commented (anyone, no token)" \
    POST "$GRANTS/api/v1/small-grants/$SMALL_ID/comments" "" \
    '{"author":"Jan Mieszkaniec","text":"Świetny pomysł"}'
call 200 "(public) comments" GET "$GRANTS/api/v1/small-grants/$SMALL_ID/comments" ""
call 409 "publication_not_over: the decision waits 7 days" \
    POST "$GRANTS/api/v1/small-grants/$SMALL_ID/award" "$OFFICER"
code publication_not_over
if [[ $TIME_TRAVEL == 1 ]]; then
    move_clock grants small_grants "$SMALL_ID" comments_until
    call 200 "small_grant.awarded" POST "$GRANTS/api/v1/small-grants/$SMALL_ID/award" "$OFFICER"
    [[ $(field .status) == awarded ]] || { echo "not awarded: $RESPONSE" >&2; exit 1; }
else
    skip "award (or refuse) only after the 7 days of publication (comments_until):"
    skip "POST /api/v1/small-grants/$SMALL_ID/award (TIME_TRAVEL=1 runs it now)"
fi

# --- 3. a consultation, from opening to the published report -----------------------------

section "Consultation (consultations): open -> meeting -> comments -> close -> answers -> report"
represented CONS_ORG_ID NGO_CONS "Fundacja Seniorzy Razem" '["culture","seniors"]'
OPENS=$(date -u +%FT%T+00:00)
CLOSES=$(date -u -d '+14 days' +%FT%T+00:00)
MEETING_AT=$(date -u -d '+2 days' +%FT10:00:00+00:00)
MEETING_END=$(date -u -d '+2 days' +%FT12:00:00+00:00)
call 201 "consultation.opened" POST "$CONSULTATIONS/api/v1/consultations" "$OFFICER" \
    "{\"title\":\"Projekt programu współpracy na $YEAR rok\",
      \"subject\":\"Roczny program współpracy miasta z organizacjami pozarządowymi\",
      \"act_kind\":\"cooperation_programme\",\"programme_id\":\"$PROGRAMME_ID\",
      \"draft_text\":\"§ 1. Celem programu jest ...\",
      \"sections\":[\"§ 1 Cele\",\"§ 2 Zadania priorytetowe\"],
      \"forms\":[\"written_comments\",\"meeting\"],
      \"opens_at\":\"$OPENS\",\"closes_at\":\"$CLOSES\",
      \"addressees\":{\"scope\":\"all\"},\"residents_may_comment\":true}"
CONSULTATION_ID=$(id)
call 201 "consultation.meeting_scheduled" \
    POST "$CONSULTATIONS/api/v1/consultations/$CONSULTATION_ID/meetings" "$OFFICER" \
    "{\"starts_at\":\"$MEETING_AT\",\"ends_at\":\"$MEETING_END\",\"place\":\"Urząd Miasta, sala 101\"}"
call_projected 201 "consultation.comment_submitted (organisation)" \
    POST "$CONSULTATIONS/api/v1/consultations/$CONSULTATION_ID/comments" "$NGO_CONS" \
    "{\"author\":\"Ewa Malinowska\",\"organization_id\":\"$CONS_ORG_ID\",
      \"text\":\"Proponujemy dodać zadanie dotyczące seniorów.\",\"section\":\"§ 2 Zadania priorytetowe\"}"
COMMENT_ORG=$(id)
call 201 "consultation.comment_submitted (resident, no token)" \
    POST "$CONSULTATIONS/api/v1/consultations/$CONSULTATION_ID/comments" "" \
    '{"author":"Jan Nowicki","text":"Zwiększyć środki na kulturę."}'
COMMENT_RESIDENT=$(id)
call 201 "consultation.comment_submitted (to be hidden)" \
    POST "$CONSULTATIONS/api/v1/consultations/$CONSULTATION_ID/comments" "" \
    '{"author":"Anonim","text":"Treść obraźliwa."}'
COMMENT_ABUSIVE=$(id)
call 200 "(no event) hidden, kept" \
    POST "$CONSULTATIONS/api/v1/consultations/$CONSULTATION_ID/comments/$COMMENT_ABUSIVE/hide" \
    "$OFFICER" '{"reason":"Wulgaryzmy"}'
call 200 "consultation.closed (or at closes_at, by the timer)" \
    POST "$CONSULTATIONS/api/v1/consultations/$CONSULTATION_ID/close" "$OFFICER"
call 200 "(no event) answered" \
    POST "$CONSULTATIONS/api/v1/consultations/$CONSULTATION_ID/comments/$COMMENT_ORG/answer" \
    "$OFFICER" '{"decision":"accepted","reason":"Dodano zadanie w § 2."}'
call 409 "comments_unanswered: one comment still waits" \
    POST "$CONSULTATIONS/api/v1/consultations/$CONSULTATION_ID/report/publish" "$OFFICER"
code comments_unanswered
call 200 "(no event) answered" \
    POST "$CONSULTATIONS/api/v1/consultations/$CONSULTATION_ID/comments/$COMMENT_RESIDENT/answer" \
    "$OFFICER" '{"decision":"rejected","reason":"Poza zakresem programu."}'
call 200 "consultation.report_published" \
    POST "$CONSULTATIONS/api/v1/consultations/$CONSULTATION_ID/report/publish" "$OFFICER"
call 200 "(public) the report, JSON" GET "$CONSULTATIONS/api/v1/consultations/$CONSULTATION_ID/report" ""
[[ $(field .summary.comments) == 3 ]] || { echo "report: $RESPONSE" >&2; exit 1; }
call 200 "(public) the report, HTML" \
    GET "$CONSULTATIONS/api/v1/consultations/$CONSULTATION_ID/report?format=html" ""
call 200 "(public) the report, PDF" \
    GET "$CONSULTATIONS/api/v1/consultations/$CONSULTATION_ID/report?format=pdf" ""

# --- 4. a council's term, from the request to an opinion lapsing -------------------------

section "Council (consultations): request of 5 organisations -> council -> members -> meeting -> opinions"
SUPPORTERS=()
for n in 1 2 3 4 5; do
    register_verified "Stowarzyszenie Sąsiedzkie nr $n" '["culture"]'
    SUPPORTERS+=("$ORG")
done
SUPPORTERS_JSON=$(printf '%s\n' "${SUPPORTERS[@]}" | jq -R . | jq -sc .)
NGO_FIRST=$(make -s token ROLE=ngo ORG="${SUPPORTERS[0]}")
call_projected 201 "(no event) request received, deadline = +2 months" \
    POST "$CONSULTATIONS/api/v1/councils/requests" "$NGO_FIRST" \
    "{\"kind\":\"public_benefit_council\",\"name\":\"Rada Działalności Pożytku Publicznego Miasta\",
      \"supporters\":$SUPPORTERS_JSON,\"justification\":\"Potrzeba stałego dialogu.\"}"
REQUEST_ID=$(id)
call 200 "(no event) requests not yet acted on and late" \
    GET "$CONSULTATIONS/api/v1/councils/requests?late=true" "$OFFICER"
call 201 "council.created (term_end = term_start + 3 years - 1 day)" \
    POST "$CONSULTATIONS/api/v1/councils" "$OFFICER" \
    "{\"name\":\"Rada Działalności Pożytku Publicznego Miasta\",\"kind\":\"public_benefit_council\",
      \"term_start\":\"$TODAY\",\"request_id\":\"$REQUEST_ID\",
      \"members\":[{\"name\":\"Anna Nowak\",\"side\":\"ngo\",\"organization_id\":\"${SUPPORTERS[0]}\"},
                   {\"name\":\"Piotr Wiśniewski\",\"side\":\"ngo\",\"organization_id\":\"${SUPPORTERS[1]}\"},
                   {\"name\":\"Jan Kowalski\",\"side\":\"city\"},
                   {\"name\":\"Maria Zielińska\",\"side\":\"city\"}]}"
COUNCIL_ID=$(id)
call 201 "council.member_appointed" POST "$CONSULTATIONS/api/v1/councils/$COUNCIL_ID/members" "$OFFICER" \
    "{\"name\":\"Ola Społeczna\",\"side\":\"ngo\",\"organization_id\":\"${SUPPORTERS[2]}\"}"
NEW_MEMBER_ID=$(field '.members[-1].id')
MEMBER_IDS=$(field '[.members[0].id, .members[2].id, .members[4].id]' | jq -c .)
call 200 "council.member_left" \
    POST "$CONSULTATIONS/api/v1/councils/$COUNCIL_ID/members/$NEW_MEMBER_ID/leave" "$OFFICER" \
    '{"reason":"Rezygnacja"}'
call 201 "council.meeting_scheduled" POST "$CONSULTATIONS/api/v1/councils/$COUNCIL_ID/meetings" "$OFFICER" \
    "{\"title\":\"Posiedzenie RDPP nr 1\",\"starts_at\":\"$MEETING_AT\",\"ends_at\":\"$MEETING_END\",
      \"place\":\"Ratusz, sala sesyjna\",\"agenda\":[\"Wybór przewodniczącego\",\"Opinia o programie współpracy\"]}"
MEETING_ID=$(id)
call 200 "(no event) attendance, minutes, resolutions" \
    POST "$CONSULTATIONS/api/v1/councils/$COUNCIL_ID/meetings/$MEETING_ID/minutes" "$OFFICER" \
    "{\"attendance\":$MEMBER_IDS,\"minutes\":\"Obrady otwarto.\",
      \"resolutions\":[{\"number\":\"1/$YEAR\",\"title\":\"W sprawie wyboru przewodniczącego\"}]}"
call 201 "council.opinion_requested (deadline = +14 days)" \
    POST "$CONSULTATIONS/api/v1/councils/$COUNCIL_ID/opinion-requests" "$OFFICER" \
    "{\"subject\":\"Projekt programu współpracy na $YEAR rok\",\"consultation_id\":\"$CONSULTATION_ID\"}"
ISSUED_ID=$(id)
call 200 "council.opinion_issued" \
    POST "$CONSULTATIONS/api/v1/councils/$COUNCIL_ID/opinion-requests/$ISSUED_ID/opinion" "$OFFICER" \
    '{"opinion":"Rada opiniuje projekt pozytywnie."}'
call 201 "council.opinion_requested (this one will lapse)" \
    POST "$CONSULTATIONS/api/v1/councils/$COUNCIL_ID/opinion-requests" "$OFFICER" \
    '{"subject":"Projekt uchwały w sprawie budżetu obywatelskiego"}'
LAPSING_ID=$(id)
if [[ $TIME_TRAVEL == 1 ]]; then
    move_clock consultations opinion_requests "$LAPSING_ID" deadline
    echo "     WAIT  for the consultations timer (every 30 s) to lapse it"
    for _ in $(seq 1 45); do
        status=$(curl -s "$CONSULTATIONS/api/v1/councils/$COUNCIL_ID/opinion-requests?limit=100" |
                 jq -r --arg id "$LAPSING_ID" '.items[] | select(.id == $id) | .status')
        [[ $status == lapsed ]] && break
        sleep 1
    done
    call 409 "opinion_deadline_passed" \
        POST "$CONSULTATIONS/api/v1/councils/$COUNCIL_ID/opinion-requests/$LAPSING_ID/opinion" \
        "$OFFICER" '{"opinion":"Spóźniona opinia."}'
    code opinion_deadline_passed
    call 200 "council.opinion_lapsed (by the timer)" \
        GET "$CONSULTATIONS/api/v1/councils/$COUNCIL_ID/opinion-requests?limit=100" ""
    [[ $(jq -r --arg id "$LAPSING_ID" '.items[] | select(.id == $id) | .status' <<<"$RESPONSE") == lapsed ]] ||
        { echo "not lapsed: $RESPONSE" >&2; exit 1; }
else
    skip "the second opinion lapses 14 days after the request (consultations timer, every 30 s):"
    skip "council.opinion_lapsed. TIME_TRAVEL=1 runs it now."
fi

printf '\nall %d steps answered as documented\n' "$STEP"
