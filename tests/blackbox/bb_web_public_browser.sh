# tests/blackbox/bb_web_public_browser.sh - the public self-registration
# page in a real browser (web_lib.sh, tests/web/public_test.js): every
# language at 390x844 and 1366x768 with JavaScript on and off, axe-core
# clean; registrations with and without JavaScript seen by intake with
# the CLI and verified; a script typed into the form refused and never
# run; the pages of the way back in; the duty manager's wall board shows
# the unverified queue; screenshots in build/.../web-screenshots/public-*.png.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/web_lib.sh"

init_keys
web_key
start_daemon
ref=$(m incident standup --plan cambridgeshire --level 1 --exercise --operation BROWSER | head -n 1)
m incident publish "$ref" --public-name "City centre incident" --keyword ARENA >/dev/null
web_users
web_start --public-per-address 20
chrome_start
export REF=$ref SRC
step() { web_step public_test "$1"; }

step languages
step submit
step hostile
step link-pages
step board
for pid in $(m --as intake --json person list "$ref" | jq -r '.persons[].person'); do
    m --as intake person verify "$pid" --outcome verified >/dev/null
done
[ "$(m --as intake --json person list "$ref" | jq '[.persons[] | select(.category == "self-referred")] | length')" = 0 ] ||
    fail "still unverified: $(m --as intake person list "$ref")"
ok "intake verifies both with muster person verify"

chrome_stop
web_stop
stop_daemon
