# shellcheck shell=bash
# Apache Kafka in KRaft mode (one combined broker/controller) from Maven Central's jars, on the machine's Java.
# Broker on 127.0.0.1:$KAFKA_PORT, controller on 127.0.0.1:$KAFKA_CONTROLLER_PORT.

KAFKA_POM="$INFRA_DIR/kafka/pom.xml"
KAFKA_DIR="$PARMANA_INFRA_RUN/kafka"

# The classpath is cached under a key derived from the pom, so a version change re-resolves it.
kafka_libs_dir() {
  local key
  key=$(sha256sum "$KAFKA_POM" | cut -c1-12)
  printf '%s/kafka-%s/libs' "$PARMANA_INFRA_CACHE" "$key"
}

kafka_ensure_libs() {
  local libs started
  libs=$(kafka_libs_dir)
  [[ -f $libs/.complete ]] && return 0
  command -v java >/dev/null || die "java is missing: Kafka needs a JRE 17+ (Debian: openjdk-17-jre-headless)"
  command -v mvn >/dev/null || ensure_packages mvn maven
  started=$(now_ms)
  log "resolving the Kafka broker's jars from Maven Central (first run only)"
  rm -rf "$libs"
  mkdir -p "$libs"
  mvn -q -B -f "$KAFKA_POM" -Dmaven.repo.local="$PARMANA_INFRA_CACHE/m2" \
    dependency:copy-dependencies -DoutputDirectory="$libs" >"$PARMANA_INFRA_CACHE/kafka-mvn.log" 2>&1 ||
    die "mvn could not resolve Kafka's jars; see $PARMANA_INFRA_CACHE/kafka-mvn.log"
  touch "$libs/.complete"
  log "Kafka jars ready in $(elapsed "$started")"
}

kafka_ready() { grep -q 'Kafka Server started' "$KAFKA_DIR/server.log" 2>/dev/null && port_open "$KAFKA_PORT"; }

kafka_up() {
  kafka_ensure_libs
  if pid_alive "$KAFKA_DIR/kafka.pid" && port_open "$KAFKA_PORT"; then
    log "kafka already running on 127.0.0.1:$KAFKA_PORT"
  else
    local libs
    libs=$(kafka_libs_dir)
    stop_pid "$KAFKA_DIR/kafka.pid" kafka
    mkdir -p "$KAFKA_DIR/data"
    # A restart keeps topics and records (as a real broker would); only a first start formats storage.
    [[ -f $KAFKA_DIR/server.log ]] && mv "$KAFKA_DIR/server.log" "$KAFKA_DIR/server.log.previous"
    sed -e "s#@KAFKA_PORT@#$KAFKA_PORT#g" -e "s#@KAFKA_CONTROLLER_PORT@#$KAFKA_CONTROLLER_PORT#g" \
      -e "s#@DATA_DIR@#$KAFKA_DIR/data#g" "$INFRA_DIR/kafka/server.properties" >"$KAFKA_DIR/server.properties"
    sed -e "s#@LOG_FILE@#$KAFKA_DIR/server.log#g" "$INFRA_DIR/kafka/log4j2.xml" >"$KAFKA_DIR/log4j2.xml"
    if [[ ! -f $KAFKA_DIR/data/meta.properties ]]; then
      # A cluster id is 16 random bytes in unpadded base64url.
      local cluster_id
      cluster_id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')
      java -Dlog4j2.configurationFile="$KAFKA_DIR/log4j2.xml" -cp "$libs/*" kafka.tools.StorageTool format \
        -t "$cluster_id" -c "$KAFKA_DIR/server.properties" >"$KAFKA_DIR/format.log" 2>&1 ||
        die "formatting Kafka's storage failed; see $KAFKA_DIR/format.log"
    fi
    # setsid: the broker must outlive the shell that started it, and not get its signals.
    setsid java -Xms256m -Xmx512m -XX:+UseG1GC -Djava.awt.headless=true \
      -Dlog4j2.configurationFile="$KAFKA_DIR/log4j2.xml" -cp "$libs/*" kafka.Kafka "$KAFKA_DIR/server.properties" \
      >"$KAFKA_DIR/stdout.log" 2>&1 </dev/null &
    echo $! >"$KAFKA_DIR/kafka.pid"
    wait_until 120 "kafka accepting connections on 127.0.0.1:$KAFKA_PORT" kafka_ready ||
      die "kafka did not start in 120 s; see $KAFKA_DIR/server.log and $KAFKA_DIR/stdout.log"
  fi
  write_service_json kafka "{\"brokers\": [\"127.0.0.1:$KAFKA_PORT\"], \"log\": \"$KAFKA_DIR/server.log\", \"classpath\": \"$(kafka_libs_dir)/*\"}"
}

kafka_down() {
  if pid_alive "$KAFKA_DIR/kafka.pid"; then
    stop_pid "$KAFKA_DIR/kafka.pid" kafka
    log "kafka stopped"
  fi
  rm -f "$PARMANA_INFRA_RUN/kafka.json"
}

kafka_purge() { rm -rf "$KAFKA_DIR"; }

kafka_env() { printf 'export KAFKA_BROKERS=127.0.0.1:%s\n' "$KAFKA_PORT"; }
