package io.convexstream.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.security.auth.callback.Callback;
import javax.security.auth.callback.NameCallback;
import javax.security.auth.callback.UnsupportedCallbackException;
import javax.security.auth.login.AppConfigurationEntry;
import org.apache.kafka.common.security.auth.AuthenticateCallbackHandler;
import org.apache.kafka.common.security.plain.PlainAuthenticateCallback;

/**
 * SASL/PLAIN inside TLS for clients that cannot do SCRAM (Debian's librdkafka 2.0.2 fails SCRAM
 * against Kafka 4.x): the secured broker checks a PLAIN password against a file of salted
 * PBKDF2-HMAC-SHA512 hashes, one per user, written when the user is created ({@link #put}) with the
 * same password as its SCRAM credential. The password travels only inside TLS; the file holds no
 * password and is readable by its owner only. Kafka's own PLAIN handler would need every password
 * in the broker's configuration, fixed at start, so users created later could not log in.
 */
public final class PlainPasswords implements AuthenticateCallbackHandler {
  /** The JAAS option of the broker's PLAIN login module that names the file. */
  static final String FILE_OPTION = "passwordFile";
  private static final int ITERATIONS = 100_000;
  private static final SecureRandom RANDOM = new SecureRandom();
  private Path file;

  @Override
  public void configure(Map<String, ?> configs, String mechanism, List<AppConfigurationEntry> jaas) {
    Object path = jaas.get(0).getOptions().get(FILE_OPTION);
    if (path == null) {
      throw new IllegalArgumentException("the PLAIN login module needs the option " + FILE_OPTION);
    }
    file = Path.of(path.toString());
  }

  @Override
  public void handle(Callback[] callbacks) throws UnsupportedCallbackException {
    String user = null;
    for (Callback c : callbacks) {
      if (c instanceof NameCallback name) {
        user = name.getDefaultName();
      } else if (c instanceof PlainAuthenticateCallback plain) {
        plain.authenticated(user != null && matches(file, user, plain.password()));
      } else {
        throw new UnsupportedCallbackException(c);
      }
    }
  }

  @Override
  public void close() {}

  /** Records {@code user}'s password (salted hash) in {@code file}, replacing an earlier one. */
  static synchronized void put(Path file, String user, String password) {
    try {
      Properties users = load(file);
      byte[] salt = new byte[16];
      RANDOM.nextBytes(salt);
      Base64.Encoder b64 = Base64.getEncoder();
      users.setProperty(user, b64.encodeToString(salt) + ":" + b64.encodeToString(hash(password.toCharArray(), salt)));
      Path written = file.resolveSibling(file.getFileName() + ".new");
      try (var out = Files.newBufferedWriter(written)) {
        users.store(out, "salted PBKDF2-HMAC-SHA512 hashes of the users' passwords, for SASL/PLAIN inside TLS");
      }
      EmbeddedKafkaBroker.ownerOnly(written);
      Files.move(written, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  private static boolean matches(Path file, String user, char[] password) {
    String entry;
    try {
      entry = load(file).getProperty(user);
    } catch (IOException e) {
      return false;
    }
    if (entry == null) {
      return false;
    }
    String[] saltAndHash = entry.split(":");
    Base64.Decoder b64 = Base64.getDecoder();
    return MessageDigest.isEqual(b64.decode(saltAndHash[1]), hash(password, b64.decode(saltAndHash[0])));
  }

  private static Properties load(Path file) throws IOException {
    Properties users = new Properties();
    if (Files.exists(file)) {
      try (var in = Files.newBufferedReader(file)) {
        users.load(in);
      }
    }
    return users;
  }

  private static byte[] hash(char[] password, byte[] salt) {
    try {
      return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA512").generateSecret(new PBEKeySpec(password, salt, ITERATIONS, 512))
          .getEncoded();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("PBKDF2WithHmacSHA512 is part of every JDK", e);
    }
  }
}
