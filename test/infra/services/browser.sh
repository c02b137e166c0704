# shellcheck shell=bash
# Debian's Chromium for the dashboard's browser tests (never a downloaded browser); nothing to start.

browser_up() {
  ensure_packages chromium chromium
  write_service_json browser "{\"executable\": \"$(command -v chromium)\"}"
}

browser_down() { rm -f "$PARMANA_INFRA_RUN/browser.json"; }

browser_purge() { :; }

browser_env() { printf 'export CHROMIUM=%s\n' "$(command -v chromium || echo chromium)"; }
