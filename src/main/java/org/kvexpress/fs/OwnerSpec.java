package org.kvexpress.fs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import org.kvexpress.core.KvexpressException;
import org.kvexpress.core.Problems;

/**
 * Turns {@code -m} and {@code -o USER[:GROUP]} into FileSettings; an unknown user or group is a
 * usage error.
 */
public final class OwnerSpec {
  private OwnerSpec() {}

  public static FileSettings settings(Integer mode, String owner) {
    if (owner == null || owner.isEmpty()) {
      return new FileSettings(mode, null, null);
    }
    String[] parts = owner.split(":", 2);
    UserPrincipalLookupService lookup = FileSystems.getDefault().getUserPrincipalLookupService();
    UserPrincipal user = null;
    GroupPrincipal group = null;
    try {
      if (!parts[0].isEmpty()) {
        user = lookup.lookupPrincipalByName(parts[0]);
      }
    } catch (UserPrincipalNotFoundException e) {
      throw KvexpressException.usage(
          "unknown user \"" + parts[0] + "\" in -o " + owner + "; use an existing USER[:GROUP]");
    } catch (IOException e) {
      throw KvexpressException.usage(
          "cannot look up user \"" + parts[0] + "\": " + Problems.describe(e));
    }
    try {
      if (parts.length > 1 && !parts[1].isEmpty()) {
        group = lookup.lookupPrincipalByGroupName(parts[1]);
      } else if (parts.length == 1) {
        // -o USER alone: USER's primary group too, as Go kvexpress did (chown USER: semantics).
        String gid = primaryGroup(parts[0]);
        group = gid == null ? null : lookup.lookupPrincipalByGroupName(gid);
      }
    } catch (UserPrincipalNotFoundException e) {
      throw KvexpressException.usage(
          "unknown group \"" + parts[1] + "\" in -o " + owner + "; use an existing USER[:GROUP]");
    } catch (IOException e) {
      throw KvexpressException.usage(
          "cannot look up group \"" + parts[1] + "\": " + Problems.describe(e));
    }
    return new FileSettings(mode, user, group);
  }

  /**
   * The numeric primary group of {@code user} from /etc/passwd (what Go kvexpress's user.Lookup
   * read), else from {@code id -g} (users from LDAP and other name services); null when neither
   * knows.
   */
  static String primaryGroup(String user) {
    try {
      for (String line : Files.readAllLines(Path.of("/etc/passwd"))) {
        String[] f = line.split(":", -1);
        if (f.length > 3 && f[0].equals(user)) {
          return f[3];
        }
      }
    } catch (IOException e) {
      // fall back to id(1)
    }
    try {
      Process p = new ProcessBuilder("id", "-g", user).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      return p.waitFor() == 0 && out.matches("\\d+") ? out : null;
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }
}
