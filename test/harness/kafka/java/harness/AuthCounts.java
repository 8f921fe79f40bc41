package harness;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.Properties;
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
 * sampled-at-ms=1767225600000
 * </pre>
 *
 * <p>The counts are the broker's since it was first started: a restarted broker starts from the
 * totals its previous run left in the file (written once more at a clean shutdown; a killed one
 * loses at most its last 100 ms), so a rolling restart cannot hide a connection the broker killed
 * before it went down. The file is rewritten (atomically) every 100 ms; {@code sampled-at-ms}
 * says when the counts were read, so a test can wait for a sample taken after an event.
 *
 * <p>Broker configs: {@code harness.auth.counts.file}, {@code harness.auth.counts.listener}.
 */
public final class AuthCounts implements MetricsReporter {
  private static final List<String> NAMES = List.of(
      "successful-authentication-total",
      "successful-reauthentication-total",
      "failed-authentication-total",
      "failed-reauthentication-total",
      "expired-connections-killed-count");

  private final Map<MetricName, KafkaMetric> metrics = new ConcurrentHashMap<>();
  /** Previous runs' totals, plus the last values of metrics Kafka has removed since (a network thread gone). */
  private final Map<String, Double> settled = new ConcurrentHashMap<>();
  private Path file;
  private String listener;
  private Thread writer;
  private volatile boolean seen;
  private volatile boolean closed;

  @Override
  public void configure(Map<String, ?> configs) {
    file = Paths.get(String.valueOf(configs.get("harness.auth.counts.file")));
    listener = String.valueOf(configs.get("harness.auth.counts.listener"));
    for (String name : NAMES) settled.put(name, 0.0);
    Properties previous = new Properties();
    try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      previous.load(reader);
    } catch (NoSuchFileException e) {
      return;
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + file, e);
    }
    for (String name : NAMES) settled.put(name, Double.parseDouble(previous.getProperty(name, "0")));
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
      seen = true;
    }
  }

  @Override
  public void metricRemoval(KafkaMetric metric) {
    KafkaMetric removed = metrics.remove(metric.metricName());
    if (removed != null) settled.merge(removed.metricName().name(), value(removed), Double::sum);
  }

  @Override
  public void close() {
    closed = true;
    if (writer != null) writer.interrupt();
    if (seen) write();
  }

  private void writeWhileOpen() {
    while (!closed) {
      // KRaft's controller has a registry (and a reporter) of its own: only the one that sees the
      // listener writes, or it would overwrite the counts with nothing.
      if (seen) write();
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private synchronized void write() {
    try {
      Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
      Files.write(tmp, render().getBytes(StandardCharsets.UTF_8));
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      // Retried on the next round; the broker must not fail for the harness's sake.
    }
  }

  private String render() {
    long sampledAt = System.currentTimeMillis();
    Map<String, Double> sums = new TreeMap<>(settled);
    for (KafkaMetric metric : metrics.values()) sums.merge(metric.metricName().name(), value(metric), Double::sum);
    StringBuilder out = new StringBuilder();
    sums.forEach((name, sum) -> out.append(name).append('=').append(Math.round(sum)).append('\n'));
    return out.append("sampled-at-ms=").append(sampledAt).append('\n').toString();
  }

  private static double value(KafkaMetric metric) {
    Object value = metric.metricValue();
    return value instanceof Number ? ((Number) value).doubleValue() : 0.0;
  }
}
