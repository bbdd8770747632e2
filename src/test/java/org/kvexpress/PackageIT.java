package org.kvexpress;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.kvexpress.testing.AgentTest;
import org.kvexpress.testing.Lines;

/**
 * The release artifacts `mvn package` builds: the Debian package passes lintian, installs into a
 * throwaway root with its maintainer scripts (dpkg, chrootless), runs there against real Consul
 * with its start-up archive, and purges leaving nothing behind; the tarball works unpacked anywhere
 * and linked into PATH; the man page renders and the systemd unit verifies.
 */
@Tag("real-consul-only")
class PackageIT extends AgentTest {
  private static final Path TARGET = Path.of("target");

  /** The one file of a kind that package built, e.g. the .deb. */
  private static Path built(String glob) throws IOException {
    try (Stream<Path> s = Files.list(TARGET)) {
      List<Path> found =
          s.filter(p -> p.getFileSystem().getPathMatcher("glob:" + glob).matches(p.getFileName()))
              .toList();
      assertThat(found).as("target/" + glob + " (mvn package builds it)").hasSize(1);
      return found.get(0);
    }
  }

  private record Run(int code, String output) {}

  private static Run run(Map<String, String> env, String... cmd) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().keySet().removeIf(k -> k.startsWith("CONSUL_"));
    pb.environment().putAll(env);
    pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    Process p = pb.start();
    byte[] out = p.getInputStream().readAllBytes();
    assertThat(p.waitFor(180, TimeUnit.SECONDS)).as(String.join(" ", cmd)).isTrue();
    return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8));
  }

  private static Run run(String... cmd) throws Exception {
    return run(Map.of(), cmd);
  }

  /** Where a tool is, or a failure naming how to install it: these checks are never skipped. */
  private static String tool(String name, String install) throws Exception {
    Run r = run("sh", "-c", "command -v " + name);
    assertThat(r.code()).as(name + " is needed: " + install).isZero();
    return r.output().strip();
  }

  @Test
  void lintianFindsNoErrors() throws Exception {
    String lintian =
        tool("lintian", "apt-get install lintian (.ci/run does it when it runs as root)");
    Run r =
        run(
            lintian,
            "--fail-on",
            "error",
            "--suppress-tags",
            "dir-or-file-in-opt",
            built("kvexpress_*_all.deb").toString());
    System.out.println("lintian:\n" + r.output());
    assertThat(r.code()).as(r.output()).isZero();
    assertThat(r.output()).doesNotContainPattern("(?m)^E: ");
  }

  @Test
  void installsIntoAThrowawayRootRunsAgainstConsulAndPurgesCleanly() throws Exception {
    Path root = tmp.resolve("root");
    Path admin = root.resolve("var/lib/dpkg");
    Files.createDirectories(admin.resolve("info"));
    Files.createDirectories(admin.resolve("updates"));
    Files.writeString(admin.resolve("status"), "");
    List<String> dpkg =
        List.of(
            "dpkg",
            "--root=" + root,
            "--admindir=" + admin,
            "--force-script-chrootless",
            "--force-not-root",
            "--force-depends",
            "--log=" + tmp.resolve("dpkg.log"));
    // dpkg runs a package's triggers only when its dependencies are installed: an empty package
    // stands in for the Java runtime the root does not have.
    Path jre = tmp.resolve("jre/DEBIAN");
    Files.createDirectories(jre);
    Files.writeString(
        jre.resolve("control"),
        "Package: default-jre-headless\nVersion: 2:1.17-74\nArchitecture: all\n"
            + "Maintainer: test <test@example.org>\nDescription: stands in for the Java runtime\n");
    Path jreDeb = tmp.resolve("jre.deb");
    Run packed =
        run(
            "dpkg-deb",
            "--root-owner-group",
            "--build",
            jre.getParent().toString(),
            jreDeb.toString());
    assertThat(packed.code()).as(packed.output()).isZero();
    List<String> installJre = new ArrayList<>(dpkg);
    installJre.addAll(List.of("-i", jreDeb.toString()));
    Run jreInstalled = run(Map.of("DPKG_ROOT", root.toString()), installJre.toArray(new String[0]));
    assertThat(jreInstalled.code()).as(jreInstalled.output()).isZero();
    List<String> install = new ArrayList<>(dpkg);
    install.addAll(List.of("-i", built("kvexpress_*_all.deb").toAbsolutePath().toString()));
    Run installed = run(Map.of("DPKG_ROOT", root.toString()), install.toArray(new String[0]));
    assertThat(installed.code()).as(installed.output()).isZero();

    Path bin = root.resolve("usr/bin/kvexpress");
    assertThat(Files.isSymbolicLink(bin)).isTrue();
    assertThat(root.resolve("usr/share/kvexpress/kvexpress.jar")).isRegularFile();
    assertThat(root.resolve("etc/kvexpress/watch.json")).isRegularFile();
    assertThat(root.resolve("usr/share/man/man1/kvexpress.1.gz")).isRegularFile();
    assertThat(root.resolve("usr/share/kvexpress/examples/prometheus/rules.yml")).isRegularFile();
    assertThat(root.resolve("usr/share/kvexpress/examples/prometheus/grafana-dashboard.json"))
        .isRegularFile();
    assertThat(root.resolve("usr/share/bash-completion/completions/kvexpress")).isRegularFile();
    Path unit = root.resolve("lib/systemd/system/kvexpress-watch.service");
    assertThat(unit).isRegularFile();
    // postinst wrote the start-up archive for this JDK.
    Path archive = root.resolve("usr/share/kvexpress/kvexpress.jsa");
    Path aot = root.resolve("usr/share/kvexpress/kvexpress.aot");
    assertThat(Files.exists(archive) || Files.exists(aot)).as(installed.output()).isTrue();

    // The link resolves into the root (the launcher follows links), so the installed binary runs as
    // is.
    String launcher = root.resolve("usr/share/kvexpress/bin/kvexpress").toString();
    Run version = run(launcher, "--version");
    assertThat(version.code()).as(version.output()).isZero();
    assertThat(version.output()).contains("0.2.0");
    Map<String, String> env = Map.of("CONSUL_HTTP_ADDR", agent.address());
    Path input = tmp.resolve("hosts.in");
    Files.writeString(input, Lines.hosts(12));
    assertThat(run(env, launcher, "in", "-k", "pkg", "-f", input.toString()).code()).isZero();
    Path target = tmp.resolve("etc/hosts.consul");
    // -Xshare:on makes the JVM fail unless it maps the archive: proof that the installed archive is
    // used.
    Map<String, String> strict =
        Map.of(
            "CONSUL_HTTP_ADDR",
            agent.address(),
            "JAVA_OPTS",
            Files.exists(archive) ? "-Xshare:on" : "-XX:AOTMode=on");
    long t0 = System.nanoTime();
    Run applied = run(strict, launcher, "out", "-k", "pkg", "-f", target.toString());
    long withArchive = (System.nanoTime() - t0) / 1_000_000;
    assertThat(applied.code()).as(applied.output()).isZero();
    assertThat(target).isRegularFile();
    t0 = System.nanoTime();
    assertThat(
            run(
                    Map.of("CONSUL_HTTP_ADDR", agent.address(), "KVEXPRESS_NO_CDS", "1"),
                    launcher,
                    "out",
                    "-k",
                    "pkg",
                    "-f",
                    target.toString())
                .code())
        .isZero();
    long without = (System.nanoTime() - t0) / 1_000_000;
    System.out.printf(
        "installed package one-shot out (file current): %d ms with the start-up archive, %d ms without%n",
        withArchive, without);

    Path man = root.resolve("usr/share/man/man1/kvexpress.1.gz");
    Run rendered = run(Map.of("MANWIDTH", "100"), "man", "-l", man.toString());
    assertThat(rendered.code()).as(rendered.output()).isZero();
    assertThat(rendered.output())
        .contains("kvexpress - moves configuration files")
        .contains("promote")
        .contains("--trust-key");
    // systemd-analyze verify checks that ExecStart exists on this machine, where the package is not
    // installed: it verifies the unit as shipped but for the path of the binary, which points into
    // the throwaway root.
    Path checked = tmp.resolve("kvexpress-watch.service");
    Files.writeString(
        checked,
        Files.readString(unit).replace("ExecStart=/usr/bin/kvexpress ", "ExecStart=" + bin + " "));
    Run verified = run("systemd-analyze", "verify", "--man=no", checked.toString());
    assertThat(verified.code()).as(verified.output()).isZero();
    assertThat(verified.output())
        .as("no complaint about the unit")
        .doesNotContain("kvexpress-watch.service:");

    // A Java runtime installed or upgraded under /usr/lib/jvm leaves the archive stale: dpkg runs
    // postinst's trigger, which writes it again.
    Path made = Files.exists(archive) ? archive : aot;
    Files.delete(made);
    Run activated =
        run(
            Map.of("DPKG_ROOT", root.toString()),
            "dpkg-trigger",
            "--root=" + root,
            "--admindir=" + admin,
            "--no-await",
            "/usr/lib/jvm");
    assertThat(activated.code()).as(activated.output()).isZero();
    List<String> triggers = new ArrayList<>(dpkg);
    triggers.addAll(List.of("--triggers-only", "--pending"));
    Run triggered = run(Map.of("DPKG_ROOT", root.toString()), triggers.toArray(new String[0]));
    assertThat(triggered.code()).as(triggered.output()).isZero();
    assertThat(made).as(triggered.output()).isRegularFile();

    // What a watcher running the default watch.json leaves: its file in the state directory.
    assertThat(Files.readString(root.resolve("etc/kvexpress/watch.json")))
        .contains("/var/lib/kvexpress/");
    Path state = root.resolve("var/lib/kvexpress");
    Files.createDirectories(state);
    Files.writeString(state.resolve("hosts.consul"), Lines.hosts(12));

    List<String> purge = new ArrayList<>(dpkg);
    purge.addAll(List.of("--purge", "kvexpress"));
    Run purged = run(Map.of("DPKG_ROOT", root.toString()), purge.toArray(new String[0]));
    assertThat(purged.code()).as(purged.output()).isZero();
    assertThat(purged.output()).as("no dpkg warning").doesNotContain("warning");
    List<String> left;
    try (Stream<Path> s = Files.walk(root)) {
      left =
          s.filter(Files::isRegularFile)
              .filter(p -> !p.startsWith(admin))
              .map(p -> root.relativize(p).toString())
              .toList();
    }
    assertThat(left).as("nothing but dpkg's own records is left").isEmpty();
    assertThat(root.resolve("usr/share/kvexpress")).doesNotExist();
    assertThat(root.resolve("etc/kvexpress")).doesNotExist();
    assertThat(state).doesNotExist();
  }

  @Test
  void theTarballWorksUnpackedAnywhereAndLinkedIntoPath() throws Exception {
    Path tarball = built("kvexpress-*.tar.gz");
    Path opt = tmp.resolve("opt");
    Files.createDirectories(opt);
    assertThat(run("tar", "-xzf", tarball.toAbsolutePath().toString(), "-C", opt.toString()).code())
        .isZero();
    Path home;
    try (Stream<Path> s = Files.list(opt)) {
      home = s.findFirst().orElseThrow();
    }
    assertThat(home.resolve("kvexpress.jar")).isRegularFile();
    assertThat(home.resolve("share/man/man1/kvexpress.1")).isRegularFile();
    assertThat(home.resolve("share/bash-completion/completions/kvexpress")).isRegularFile();
    Path pathDir = tmp.resolve("path");
    Files.createDirectories(pathDir);
    Files.createSymbolicLink(pathDir.resolve("kvexpress"), home.resolve("bin/kvexpress"));
    Map<String, String> env =
        Map.of("CONSUL_HTTP_ADDR", agent.address(), "PATH", pathDir + ":" + System.getenv("PATH"));
    Path input = tmp.resolve("in.txt");
    Files.writeString(input, Lines.hosts(11));
    // Through a shell, so that `kvexpress` is looked up in this PATH, as a user's shell would.
    assertThat(run(env, "sh", "-c", "kvexpress in -k tar -f " + input).code()).isZero();
    Path target = tmp.resolve("tar.out");
    Run out = run(env, "sh", "-c", "kvexpress out -k tar -f " + target);
    assertThat(out.code()).as(out.output()).isZero();
    assertThat(target).isRegularFile();
    // The completion script loads in bash and completes commands and options.
    Run completion =
        run(
            "bash",
            "-c",
            "source "
                + home.resolve("share/bash-completion/completions/kvexpress")
                + " && COMP_WORDS=(kvexpress pro) COMP_CWORD=1 && _kvexpress && echo ${COMPREPLY[@]}"
                + " && COMP_WORDS=(kvexpress out --trust) COMP_CWORD=2 && _kvexpress && echo ${COMPREPLY[@]}");
    assertThat(completion.code()).as(completion.output()).isZero();
    assertThat(completion.output()).contains("promote").contains("--trust-key");
    Run afterKey =
        run(
            "bash",
            "-c",
            "source "
                + home.resolve("share/bash-completion/completions/kvexpress")
                + " && COMP_WORDS=(kvexpress out -k '') COMP_CWORD=3 && _kvexpress"
                + " && echo \"[${COMPREPLY[@]}]\"");
    assertThat(afterKey.output()).as("no option names where a key goes").contains("[]");
    // The tarball's unit is the package's, with the binary where the tarball's install links it.
    String unit = Files.readString(home.resolve("share/kvexpress/kvexpress-watch.service"));
    String packaged = Files.readString(Path.of("packaging/kvexpress-watch.service"));
    assertThat(unit).contains("ExecStart=/usr/local/bin/kvexpress out --watch");
    assertThat(unit.replace("/usr/local/bin/kvexpress ", "/usr/bin/kvexpress "))
        .isEqualTo(packaged);
  }
}
