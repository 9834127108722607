package io.convexstream.core.learn;

/** An update refused because it would make a learner's state non-finite; the learner is unchanged. */
public final class NonFiniteUpdateException extends ArithmeticException {
  private static final long serialVersionUID = 1L;

  public NonFiniteUpdateException(String message) {
    super(message);
  }
}
