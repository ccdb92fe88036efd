# Sourced by berth's scripts: exports JAVA_HOME pointing at a JDK 25 or newer, or exits with a clear message.
# Order: $JAVA_HOME if it is 25+, then /usr/lib/jvm/*25* (and any newer JDK there), then `java` on the PATH.
berth_java_major() {
  "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p' | head -n 1
}
berth_find_jdk25() {
  local candidate major
  for candidate in "${JAVA_HOME:-}" /usr/lib/jvm/*25* /usr/lib/jvm/*2[6-9]* /usr/lib/jvm/*; do
    [ -n "$candidate" ] && [ -x "$candidate/bin/javac" ] || continue
    major=$(berth_java_major "$candidate")
    if [ -n "$major" ] && [ "$major" -ge 25 ]; then echo "$candidate"; return 0; fi
  done
  if command -v javac >/dev/null 2>&1; then
    candidate=$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")
    major=$(berth_java_major "$candidate")
    if [ -n "$major" ] && [ "$major" -ge 25 ]; then echo "$candidate"; return 0; fi
  fi
  return 1
}
if ! BERTH_JDK=$(berth_find_jdk25); then
  echo "berth needs a JDK 25 or newer and found none." >&2
  echo "Checked: JAVA_HOME (${JAVA_HOME:-unset}), /usr/lib/jvm/*, and javac on the PATH." >&2
  echo "Fix: install a JDK 25 (for example Temurin 25) and set JAVA_HOME to it." >&2
  exit 1
fi
export JAVA_HOME="$BERTH_JDK"
export PATH="$JAVA_HOME/bin:$PATH"
