package harness;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * The harness's IAM: the cluster's region and the identities it knows, read from the properties
 * file that test/harness/kafka/msk-iam.ts writes (tests change it while the broker runs, so it is
 * read again for every token):
 *
 * <pre>
 * cluster.region=us-east-1
 * identity.&lt;key&gt;.secret=...            the secret access key the token must be signed with
 * identity.&lt;key&gt;.session-token=...     optional: X-Amz-Security-Token must equal it
 * identity.&lt;key&gt;.principal=...         the Kafka principal (a role's ARN)
 * identity.&lt;key&gt;.expires-ms=...        optional: when the credentials expire (epoch ms)
 * identity.&lt;key&gt;.session-ms=...        optional: the broker's cap on a session's lifetime
 * identity.&lt;key&gt;.denied=true           the role may not kafka-cluster:Connect
 * identity.&lt;key&gt;.refusals=N            refuse this many of the identity's tokens, then accept
 * </pre>
 */
final class IamPolicy {
  private final Properties props;

  private IamPolicy(Properties props) {
    this.props = props;
  }

  static IamPolicy load(Path file) throws Refusal {
    Properties props = new Properties();
    try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      props.load(reader);
    } catch (IOException e) {
      throw new Refusal("the harness cannot read its IAM file " + file + ": " + e);
    }
    return new IamPolicy(props);
  }

  String clusterRegion() throws Refusal {
    String region = props.getProperty("cluster.region");
    if (region == null) throw new Refusal("the harness's IAM file names no cluster.region");
    return region;
  }

  /** The identity whose access key signed the token; refuses an unknown key. */
  Identity identity(String accessKeyId) throws Refusal {
    String prefix = "identity." + accessKeyId + ".";
    String secret = props.getProperty(prefix + "secret");
    if (secret == null) throw new Refusal("unknown access key " + accessKeyId);
    return new Identity(
        secret,
        props.getProperty(prefix + "session-token"),
        props.getProperty(prefix + "principal", "arn:aws:iam::123456789012:user/" + accessKeyId),
        longOrNull(props.getProperty(prefix + "expires-ms")),
        longOrNull(props.getProperty(prefix + "session-ms")),
        Boolean.parseBoolean(props.getProperty(prefix + "denied")),
        Integer.parseInt(props.getProperty(prefix + "refusals", "0")));
  }

  private static Long longOrNull(String value) {
    return value == null ? null : Long.valueOf(value);
  }

  /** One identity of the harness's IAM. */
  static final class Identity {
    final String secret;
    final String sessionToken;
    final String principal;
    final Long expiresAtMs;
    final Long sessionMs;
    final boolean denied;
    final int refusals;

    Identity(String secret, String sessionToken, String principal, Long expiresAtMs, Long sessionMs,
        boolean denied, int refusals) {
      this.secret = secret;
      this.sessionToken = sessionToken;
      this.principal = principal;
      this.expiresAtMs = expiresAtMs;
      this.sessionMs = sessionMs;
      this.denied = denied;
      this.refusals = refusals;
    }
  }
}
