package org.kvexpress.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The build's version, filtered into version.properties by Maven (gjf's %VERSION% template). */
public final class BuildVersion {
  private BuildVersion() {}

  public static String get() {
    try (InputStream in =
        BuildVersion.class.getResourceAsStream("/org/kvexpress/version.properties")) {
      if (in == null) {
        return "unknown";
      }
      Properties p = new Properties();
      p.load(in);
      return p.getProperty("version", "unknown");
    } catch (IOException e) {
      return "unknown";
    }
  }
}
