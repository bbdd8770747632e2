package org.kvexpress.fs;

import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.UserPrincipal;

/**
 * Mode and owner for a written file. A null mode keeps the existing file's mode (0640 for a new
 * file); null user or group leaves that part of the ownership as the process makes it.
 */
public record FileSettings(Integer mode, UserPrincipal user, GroupPrincipal group) {
  public static final int DEFAULT_MODE = 0640;
  public static final FileSettings DEFAULTS = new FileSettings(null, null, null);
}
