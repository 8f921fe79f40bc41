package harness;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.metrics.KafkaMetric;
import org.apache.kafka.common.metrics.MetricsReporter;

/**
 * A metrics reporter that keeps a file of one listener's authentication counters (Kafka's own
 * KIP-368 metrics, summed over the network threads), so tests can tell a re-authenticated
 * connection from a new one and see sessions the broker had to end:
 *
 * <pre>
 * successful-authentication-total=3
 * successful-reauthentication-total=12
 * failed-authentication-total=0
 * failed-reauthentication-total=0
 * expired-connections-killed-count=0
 * </pre>
 *
 * <p>Broker configs: {@code harness.auth.counts.file}, {@code harness.auth.counts.listener}.
 * The file is rewritten (atomically) within 100 ms of a change.
 */
public final class AuthCounts implements MetricsReporter {
  private static final List<String> NAMES = List.of(
      "successful-authentication-total",
      "successful-reauthentication-total",
      "failed-authentication-total",
      "failed-reauthentication-total",
      "expired-connections-killed-count");

  private final Map<MetricName, KafkaMetric> metrics = new ConcurrentHashMap<>();
  private Path file;
  private String listener;
  private Thread writer;
  private volatile boolean closed;

  @Override
  public void configure(Map<String, ?> configs) {
    file = Paths.get(String.valueOf(configs.get("harness.auth.counts.file")));
    listener = String.valueOf(configs.get("harness.auth.counts.listener"));
  }

  @Override
  public void init(List<KafkaMetric> initial) {
    initial.forEach(this::metricChange);
    writer = new Thread(this::writeWhileOpen, "harness-auth-counts");
    writer.setDaemon(true);
    writer.start();
  }

  @Override
  public void metricChange(KafkaMetric metric) {
    MetricName name = metric.metricName();
    if ("socket-server-metrics".equals(name.group()) && NAMES.contains(name.name())
        && listener.equals(name.tags().get("listener"))) {
      metrics.put(name, metric);
    }
  }

  @Override
  public void metricRemoval(KafkaMetric metric) {
    metrics.remove(metric.metricName());
  }

  @Override
  public void close() {
    closed = true;
    if (writer != null) writer.interrupt();
  }

  private void writeWhileOpen() {
    String last = null;
    while (!closed) {
      // KRaft's controller has a registry (and a reporter) of its own: only the one that sees the
      // listener writes, or it would overwrite the counts with nothing.
      if (!metrics.isEmpty()) {
        String text = render();
        if (!text.equals(last)) {
          try {
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.write(tmp, text.getBytes(StandardCharsets.UTF_8));
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            last = text;
          } catch (IOException e) {
            // Retried on the next round; the broker must not fail for the harness's sake.
          }
        }
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private String render() {
    Map<String, Double> sums = new TreeMap<>();
    for (String name : NAMES) sums.put(name, 0.0);
    for (KafkaMetric metric : metrics.values()) {
      Object value = metric.metricValue();
      if (value instanceof Number) sums.merge(metric.metricName().name(), ((Number) value).doubleValue(), Double::sum);
    }
    StringBuilder out = new StringBuilder();
    sums.forEach((name, sum) -> out.append(name).append('=').append(Math.round(sum)).append('\n'));
    return out.toString();
  }
}
