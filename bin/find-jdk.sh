# Prints the home of a JDK whose feature version is 25 or newer: $JAVA_HOME if it qualifies, else the newest
# one found under /usr/lib/jvm, /opt or ~/.sdkman. Sourced by ./mvnw and ./jllm.
jllm_jdk_version() {
  local release="$1/release" v
  [ -x "$1/bin/java" ] && [ -f "$release" ] || return 1
  v=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$release")
  [ -n "$v" ] && echo "$v"
}
jllm_find_jdk() {
  local best="" bestv=0 d v
  if [ -n "${JAVA_HOME:-}" ] && v=$(jllm_jdk_version "$JAVA_HOME") && [ "$v" -ge 25 ]; then
    echo "$JAVA_HOME"; return 0
  fi
  for d in /usr/lib/jvm/* /opt/* /opt/java/* "$HOME"/.sdkman/candidates/java/*; do
    [ -d "$d" ] || continue
    v=$(jllm_jdk_version "$d") || continue
    if [ "$v" -ge 25 ] && [ "$v" -gt "$bestv" ]; then best="$d"; bestv="$v"; fi
  done
  [ -n "$best" ] && echo "$best"
}
