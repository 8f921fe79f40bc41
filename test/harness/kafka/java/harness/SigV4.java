package harness;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Map;
import java.util.StringJoiner;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * AWS Signature Version 4 of a presigned MSK token, recomputed from the secret key the way AWS
 * checks it. Signed are every query parameter but the signature itself and {@code User-Agent}
 * (the signers append it after signing), and the {@code host} header; the payload is empty.
 */
final class SigV4 {
  private static final String SERVICE = "kafka-cluster";
  private static final String EMPTY_SHA256 =
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private SigV4() {}

  /** Whether the token's signature is the one `secretAccessKey` gives. */
  static boolean verifies(MskToken token, String secretAccessKey) {
    byte[] expected = signature(token, secretAccessKey).getBytes(StandardCharsets.US_ASCII);
    byte[] actual = token.params.get("X-Amz-Signature").getBytes(StandardCharsets.US_ASCII);
    return MessageDigest.isEqual(expected, actual);
  }

  static String signature(MskToken token, String secretAccessKey) {
    String scope = token.scopeDate + "/" + token.scopeRegion + "/" + SERVICE + "/aws4_request";
    String canonicalRequest =
        "GET\n/\n" + canonicalQuery(token.params) + "\nhost:" + token.host + "\n\nhost\n" + EMPTY_SHA256;
    String stringToSign =
        "AWS4-HMAC-SHA256\n" + token.amzDate + "\n" + scope + "\n" + hex(sha256(canonicalRequest));
    byte[] key = hmac(("AWS4" + secretAccessKey).getBytes(StandardCharsets.UTF_8), token.scopeDate);
    key = hmac(key, token.scopeRegion);
    key = hmac(key, SERVICE);
    key = hmac(key, "aws4_request");
    return hex(hmac(key, stringToSign));
  }

  /** `params` is sorted by name already; names and values are RFC 3986 encoded. */
  private static String canonicalQuery(Map<String, String> params) {
    StringJoiner query = new StringJoiner("&");
    for (Map.Entry<String, String> p : params.entrySet()) {
      if (p.getKey().equals("X-Amz-Signature") || p.getKey().equals("User-Agent")) continue;
      query.add(encode(p.getKey()) + "=" + encode(p.getValue()));
    }
    return query.toString();
  }

  private static String encode(String s) {
    StringBuilder out = new StringBuilder();
    for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
      char c = (char) (b & 0xff);
      boolean unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
          || c == '-' || c == '_' || c == '.' || c == '~';
      if (unreserved) out.append(c);
      else out.append('%').append(Character.toUpperCase(HEX[c >> 4])).append(Character.toUpperCase(HEX[c & 0xf]));
    }
    return out.toString();
  }

  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] hmac(byte[] key, String data) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String hex(byte[] bytes) {
    char[] out = new char[bytes.length * 2];
    for (int i = 0; i < bytes.length; i++) {
      out[2 * i] = HEX[(bytes[i] >> 4) & 0xf];
      out[2 * i + 1] = HEX[bytes[i] & 0xf];
    }
    return new String(out);
  }
}
