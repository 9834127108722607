package io.convexstream.schemas.codec;

/** Bytes that are not a decodable message of the expected type; the message says why. */
public final class DecodeException extends RuntimeException {
  public DecodeException(String reason, Throwable cause) {
    super(reason, cause);
  }
}
