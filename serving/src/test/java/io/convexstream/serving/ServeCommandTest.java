package io.convexstream.serving;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** `convexstream serve`'s secret files, checked before it connects to anything: one clear line each. */
class ServeCommandTest {
  @Test
  void missingOrLooseSecretFilesAreNamed(@TempDir Path dir) throws Exception {
    assertThat(refusal("--token-file", dir.resolve("none").toString()))
        .isEqualTo("error: --token-file " + dir.resolve("none") + " does not exist or cannot be read");
    Path keystore = Files.writeString(dir.resolve("k.p12"), "not read");
    assertThat(refusal("--tls-keystore", keystore.toString()))
        .isEqualTo("error: --tls-keystore needs --tls-password-file (a file holding the keystore's password)");
    assertThat(refusal("--tls-keystore", keystore.toString(), "--tls-password-file", dir.resolve("none").toString()))
        .isEqualTo("error: --tls-password-file " + dir.resolve("none") + " does not exist or cannot be read");

    Path tokens = Files.writeString(dir.resolve("tokens"), "t0k3n\n");
    Files.setPosixFilePermissions(tokens, PosixFilePermissions.fromString("rw-r--r--"));
    PrintStream err = System.err;
    ByteArrayOutputStream warnings = new ByteArrayOutputStream();
    System.setErr(new PrintStream(warnings, true, StandardCharsets.UTF_8));
    try { // the token file is read (and judged) before the keystore's missing password stops the command
      refusal("--token-file", tokens.toString(), "--tls-keystore", keystore.toString());
    } finally {
      System.setErr(err);
    }
    assertThat(warnings.toString(StandardCharsets.UTF_8).strip())
        .isEqualTo("warning: --token-file " + tokens + " is readable by other users (rw-r--r--); chmod 600 it");
  }

  /** The first line of `serve`'s error output with {@code args}; its exit code must be an error's. */
  private static String refusal(String... args) {
    StringWriter err = new StringWriter();
    CommandLine cli = ServingMain.commandLine();
    cli.setErr(new PrintWriter(err));
    String[] all = new String[args.length + 2];
    all[0] = "--bootstrap";
    all[1] = "127.0.0.1:1";
    System.arraycopy(args, 0, all, 2, args.length);
    assertThat(cli.execute(all)).as("exit code: %s", err).isNotZero();
    return err.toString().strip().lines().findFirst().orElse("");
  }
}
