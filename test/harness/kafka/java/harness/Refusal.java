package harness;

/**
 * Why the harness's MSK IAM refuses a token. The reason goes to the harness's decisions file
 * only; the client gets MSK's answer, "Access denied", which says nothing more.
 */
final class Refusal extends Exception {
  private static final long serialVersionUID = 1L;

  Refusal(String reason) {
    super(reason, null, false, false);
  }
}
