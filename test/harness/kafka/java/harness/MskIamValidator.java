package harness;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import javax.security.auth.callback.Callback;
import javax.security.auth.callback.UnsupportedCallbackException;
import javax.security.auth.login.AppConfigurationEntry;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.security.auth.AuthenticateCallbackHandler;
import org.apache.kafka.common.security.oauthbearer.OAuthBearerExtensionsValidatorCallback;
import org.apache.kafka.common.security.oauthbearer.OAuthBearerToken;
import org.apache.kafka.common.security.oauthbearer.OAuthBearerValidatorCallback;

/**
 * Server-side callback handler of the harness's OAUTHBEARER listener: Amazon MSK's IAM
 * authentication as clients meet it. A token is accepted only if it is a well-formed presigned
 * URL ({@link MskToken}) for the cluster's region, inside its time window, signed with the secret
 * key of an identity the harness's IAM knows ({@link IamPolicy}, {@link SigV4}), with that
 * identity's session token and unexpired credentials, and the identity may connect.
 *
 * <p>As MSK, it ends the session when the token or the credentials behind it expire, whichever is
 * first (the token's {@code lifetimeMs} is Kafka's session expiry), or earlier when the identity
 * has a {@code session-ms} cap; and it answers every refusal with "[id]: Access denied". What it
 * decided, and why, goes to the decisions file, one tab-separated line per token:
 * {@code <epoch ms> ACCEPT <key> <session ms> <principal>} or {@code <epoch ms> REFUSE <key> <reason>}.
 *
 * <p>JAAS options: {@code iamFile} (the IAM properties) and {@code decisionsFile}.
 */
public final class MskIamValidator implements AuthenticateCallbackHandler {
  private Path iamFile;
  private Path decisionsFile;
  /**
   * Refusals served per access key, against the identity's {@code refusals}. Static: Kafka builds
   * a handler per network thread, and the count is the broker's.
   */
  private static final Map<String, Integer> REFUSED = new HashMap<>();

  @Override
  public void configure(Map<String, ?> configs, String mechanism, List<AppConfigurationEntry> jaas) {
    Map<String, ?> options = jaas.get(0).getOptions();
    iamFile = Paths.get(option(options, "iamFile"));
    decisionsFile = Paths.get(option(options, "decisionsFile"));
  }

  @Override
  public void handle(Callback[] callbacks) throws UnsupportedCallbackException {
    for (Callback callback : callbacks) {
      if (callback instanceof OAuthBearerValidatorCallback) {
        validate(iamFile, decisionsFile, (OAuthBearerValidatorCallback) callback);
      } else if (callback instanceof OAuthBearerExtensionsValidatorCallback) {
        // MSK's signers send no SASL extensions; accept whatever Kafka hands over.
        OAuthBearerExtensionsValidatorCallback extensions = (OAuthBearerExtensionsValidatorCallback) callback;
        extensions.inputExtensions().map().keySet().forEach(extensions::valid);
      } else {
        throw new UnsupportedCallbackException(callback);
      }
    }
  }

  @Override
  public void close() {}

  /** One token at a time, broker-wide: network threads validate concurrently and share the counts. */
  private static synchronized void validate(
      Path iamFile, Path decisionsFile, OAuthBearerValidatorCallback callback) {
    long now = System.currentTimeMillis();
    String key = "-";
    try {
      IamPolicy iam = IamPolicy.load(iamFile);
      MskToken token = MskToken.parse(callback.tokenValue());
      key = token.accessKeyId;
      token.check(iam.clusterRegion(), now);
      IamPolicy.Identity identity = iam.identity(key);
      if (!SigV4.verifies(token, identity.secret)) {
        throw new Refusal("the signature does not match the secret key of " + key);
      }
      String sessionToken = token.params.get("X-Amz-Security-Token");
      if (identity.sessionToken != null && !identity.sessionToken.equals(sessionToken)) {
        throw new Refusal("X-Amz-Security-Token is not the session token of " + key);
      }
      if (identity.expiresAtMs != null && identity.expiresAtMs <= now) {
        throw new Refusal("the credentials of " + key + " expired " + (now - identity.expiresAtMs) + " ms ago");
      }
      if (identity.denied) throw new Refusal(identity.principal + " may not kafka-cluster:Connect");
      int served = REFUSED.getOrDefault(key, 0);
      if (served < identity.refusals) {
        REFUSED.put(key, served + 1);
        throw new Refusal("refused on request (" + (served + 1) + " of " + identity.refusals + ")");
      }
      long lifetimeMs = token.expiresAtMs;
      if (identity.expiresAtMs != null) lifetimeMs = Math.min(lifetimeMs, identity.expiresAtMs);
      if (identity.sessionMs != null) lifetimeMs = Math.min(lifetimeMs, now + identity.sessionMs);
      callback.token(new Grant(callback.tokenValue(), identity.principal, now, lifetimeMs));
      record(decisionsFile, now + "\tACCEPT\t" + key + "\t" + (lifetimeMs - now) + "\t" + identity.principal);
    } catch (Refusal refusal) {
      record(decisionsFile, now + "\tREFUSE\t" + key + "\t" + refusal.getMessage());
      throw new SaslAuthenticationException("[" + UUID.randomUUID() + "]: Access denied");
    }
  }

  private static void record(Path decisionsFile, String line) {
    try {
      Files.write(decisionsFile, (line.replace('\n', ' ') + "\n").getBytes(StandardCharsets.UTF_8),
          StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE);
    } catch (IOException e) {
      throw new IllegalStateException("cannot write " + decisionsFile, e);
    }
  }

  private static String option(Map<String, ?> options, String name) {
    Object value = options.get(name);
    if (value == null) throw new IllegalArgumentException("JAAS option " + name + " is required");
    return String.valueOf(value);
  }

  /** The session Kafka grants: it ends at {@code lifetimeMs}. */
  private static final class Grant implements OAuthBearerToken {
    private final String value;
    private final String principal;
    private final long startMs;
    private final long lifetimeMs;

    Grant(String value, String principal, long startMs, long lifetimeMs) {
      this.value = value;
      this.principal = principal;
      this.startMs = startMs;
      this.lifetimeMs = lifetimeMs;
    }

    @Override
    public String value() {
      return value;
    }

    @Override
    public Set<String> scope() {
      return Collections.emptySet();
    }

    @Override
    public long lifetimeMs() {
      return lifetimeMs;
    }

    @Override
    public String principalName() {
      return principal;
    }

    @Override
    public Long startTimeMs() {
      return startMs;
    }
  }
}
