package harness;

import java.math.BigDecimal;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An Amazon MSK IAM token read the way MSK reads it: base64url without padding of a SigV4
 * presigned {@code https://kafka.<region>.amazonaws.com/?Action=kafka-cluster:Connect&...} URL.
 * {@link #parse} refuses anything malformed; {@link #check} the region and the time window.
 */
final class MskToken {
  private static final Pattern BASE64URL = Pattern.compile("[A-Za-z0-9_-]+");
  private static final Pattern HOST = Pattern.compile("kafka\\.([a-z0-9-]+)\\.amazonaws\\.com");
  private static final Pattern SIGNATURE = Pattern.compile("[0-9a-f]{64}");
  private static final DateTimeFormatter AMZ_DATE = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'");
  /** SigV4's tolerance for a client clock ahead of the server's. */
  private static final long MAX_CLOCK_SKEW_MS = 5 * 60_000;

  final String host;
  final String hostRegion;
  /** Decoded query parameters, sorted by name (SigV4's canonical order). */
  final Map<String, String> params;
  final String accessKeyId;
  final String scopeDate;
  final String scopeRegion;
  final String amzDate;
  final long signedAtMs;
  /** X-Amz-Date + X-Amz-Expires: the JS signer shortens X-Amz-Expires to the credentials' expiry. */
  final long expiresAtMs;

  private MskToken(String host, String hostRegion, Map<String, String> params) throws Refusal {
    this.host = host;
    this.hostRegion = hostRegion;
    this.params = Collections.unmodifiableMap(params);
    expect("Action", "kafka-cluster:Connect");
    expect("X-Amz-Algorithm", "AWS4-HMAC-SHA256");
    expect("X-Amz-SignedHeaders", "host");
    if (!SIGNATURE.matcher(required("X-Amz-Signature")).matches()) {
      throw new Refusal("X-Amz-Signature is not 64 lowercase hex digits");
    }
    String[] scope = required("X-Amz-Credential").split("/", -1);
    if (scope.length != 5 || !"kafka-cluster".equals(scope[3]) || !"aws4_request".equals(scope[4])) {
      throw new Refusal("X-Amz-Credential is not <key>/<date>/<region>/kafka-cluster/aws4_request");
    }
    accessKeyId = scope[0];
    scopeDate = scope[1];
    scopeRegion = scope[2];
    amzDate = required("X-Amz-Date");
    try {
      signedAtMs = LocalDateTime.parse(amzDate, AMZ_DATE).toInstant(ZoneOffset.UTC).toEpochMilli();
    } catch (DateTimeParseException e) {
      throw new Refusal("X-Amz-Date is not yyyyMMddTHHmmssZ: " + amzDate);
    }
    if (!amzDate.startsWith(scopeDate)) {
      throw new Refusal("the credential scope's date " + scopeDate + " is not X-Amz-Date's " + amzDate);
    }
    BigDecimal expires;
    try {
      // Seconds; the JS signer writes a fraction when the credentials expire within 15 minutes.
      expires = new BigDecimal(required("X-Amz-Expires"));
    } catch (NumberFormatException e) {
      throw new Refusal("X-Amz-Expires is not a number: " + params.get("X-Amz-Expires"));
    }
    if (expires.signum() <= 0) throw new Refusal("X-Amz-Expires is not positive: " + expires);
    expiresAtMs = signedAtMs + expires.movePointRight(3).longValue();
  }

  /** Decodes and reads a token; refuses anything MSK could not read. */
  static MskToken parse(String value) throws Refusal {
    if (!BASE64URL.matcher(value).matches()) {
      throw new Refusal("the token is not base64url without padding");
    }
    String url;
    try {
      url = new String(Base64.getUrlDecoder().decode(value), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new Refusal("the token does not decode as base64url");
    }
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      throw new Refusal("the token does not decode to a URL");
    }
    if (!"https".equals(uri.getScheme())) throw new Refusal("the URL is not https");
    String host = uri.getHost() == null ? "" : uri.getHost();
    Matcher m = HOST.matcher(host);
    if (!m.matches()) throw new Refusal("the URL's host is not kafka.<region>.amazonaws.com: " + host);
    if (!"/".equals(uri.getRawPath())) throw new Refusal("the URL's path is not /");
    if (uri.getRawQuery() == null) throw new Refusal("the URL has no query");
    return new MskToken(host, m.group(1), query(uri.getRawQuery()));
  }

  /** Refuses a token for another region than the cluster's, or used outside its time window. */
  void check(String clusterRegion, long nowMs) throws Refusal {
    if (!hostRegion.equals(scopeRegion)) {
      throw new Refusal("the host's region " + hostRegion + " is not the credential scope's " + scopeRegion);
    }
    if (!scopeRegion.equals(clusterRegion)) {
      throw new Refusal("signed for region " + scopeRegion + ", but the cluster is in " + clusterRegion);
    }
    if (signedAtMs > nowMs + MAX_CLOCK_SKEW_MS) {
      throw new Refusal("signed in the future (X-Amz-Date " + amzDate + ")");
    }
    if (expiresAtMs <= nowMs) {
      throw new Refusal("expired " + (nowMs - expiresAtMs) + " ms ago (X-Amz-Date + X-Amz-Expires)");
    }
  }

  private void expect(String name, String value) throws Refusal {
    String actual = required(name);
    if (!value.equals(actual)) throw new Refusal(name + " is " + actual + ", not " + value);
  }

  private String required(String name) throws Refusal {
    String value = params.get(name);
    if (value == null || value.isEmpty()) throw new Refusal(name + " is missing");
    return value;
  }

  private static Map<String, String> query(String raw) throws Refusal {
    Map<String, String> params = new TreeMap<>();
    for (String pair : raw.split("&", -1)) {
      int eq = pair.indexOf('=');
      if (eq <= 0) throw new Refusal("the query has a parameter without a name or value");
      String name = URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8);
      String value = URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      if (params.put(name, value) != null) throw new Refusal("the query repeats " + name);
    }
    return params;
  }
}
