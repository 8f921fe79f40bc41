package harness;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Lets Kafka's console consumer print binary keys and values losslessly: one record per
 * line, bytes as lowercase hex. The console consumer hands null keys/values to the
 * deserializer as its "null.literal" bytes; the harness sets that literal to NULL_MARKER
 * and this class prints it as "-", which cannot be confused with hex.
 */
public class HexDeserializer implements Deserializer<String> {
  /** Must equal NULL_MARKER in test/harness/kafka/java-tools.ts. */
  private static final byte[] NULL_MARKER =
      "__harness_null_2c1f__".getBytes(StandardCharsets.UTF_8);
  private static final char[] DIGITS = "0123456789abcdef".toCharArray();

  @Override
  public String deserialize(String topic, byte[] data) {
    if (data == null || Arrays.equals(data, NULL_MARKER)) return "-";
    char[] out = new char[data.length * 2];
    for (int i = 0; i < data.length; i++) {
      out[2 * i] = DIGITS[(data[i] >> 4) & 0xf];
      out[2 * i + 1] = DIGITS[data[i] & 0xf];
    }
    return new String(out);
  }
}
