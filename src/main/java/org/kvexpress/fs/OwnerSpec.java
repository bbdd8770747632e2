package org.kvexpress.fs;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import org.kvexpress.core.KvexpressException;

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
      throw KvexpressException.usage("cannot look up user \"" + parts[0] + "\": " + e.getMessage());
    }
    try {
      if (parts.length > 1 && !parts[1].isEmpty()) {
        group = lookup.lookupPrincipalByGroupName(parts[1]);
      }
    } catch (UserPrincipalNotFoundException e) {
      throw KvexpressException.usage(
          "unknown group \"" + parts[1] + "\" in -o " + owner + "; use an existing USER[:GROUP]");
    } catch (IOException e) {
      throw KvexpressException.usage(
          "cannot look up group \"" + parts[1] + "\": " + e.getMessage());
    }
    return new FileSettings(mode, user, group);
  }
}
