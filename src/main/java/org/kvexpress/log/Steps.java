package org.kvexpress.log;

/**
 * The steps of one run for {@code -v}: each {@link #done} logs, at debug level, the step's name,
 * how long it took since the previous one and what it found. Costs nothing when debug is off.
 */
public final class Steps {
  private final Log log;
  private final String component;
  private final boolean on;
  private long last = System.nanoTime();

  public Steps(Log log, String component) {
    this.log = log;
    this.component = component;
    this.on = log.enabled(Log.Level.DEBUG);
  }

  /** Step {@code name} is done; {@code detail} is what it found (may be null). */
  public void done(String name, Fields detail) {
    if (!on) {
      return;
    }
    long now = System.nanoTime();
    Fields f = Fields.of("step", name).add("ms", String.format("%.1f", (now - last) / 1e6));
    if (detail != null) {
      f.addAll(detail);
    }
    log.debug(component, f);
    last = now;
  }

  public void done(String name) {
    done(name, null);
  }
}
