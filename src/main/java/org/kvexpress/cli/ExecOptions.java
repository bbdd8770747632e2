package org.kvexpress.cli;

import java.time.Duration;

/**
 * A command kvexpress runs after it wrote ({@code -e}; null when none), how long it may take
 * ({@code --exec-timeout}), and whether it inherits the Consul token variables ({@code
 * --pass-token}).
 */
record ExecOptions(String command, Duration timeout, boolean passToken) {}
