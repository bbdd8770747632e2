package org.kvexpress.kv;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.kvexpress.testing.CliRun;
import org.kvexpress.testing.Lines;

/**
 * A mistyped address that reaches another HTTP server must never read as an empty Consul: no "was
 * not stopped", "was not locked" or "nothing published". Every command fails (exit 1) naming the
 * address.
 */
@Tag("no-backend")
class NotConsulIT {
  private HttpServer server;
  @TempDir Path tmp;

  @AfterEach
  void stop() {
    server.stop(0);
  }

  /**
   * A web server that answers every request with {@code status} and a page, as nginx or a metrics
   * port would.
   */
  private String serve(int status) throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
    server.createContext(
        "/",
        ex -> {
          ex.getRequestBody().readAllBytes();
          byte[] page =
              (status == 404 ? "404 page not found\n" : "<html><body>It works!</body></html>\n")
                  .getBytes(StandardCharsets.UTF_8);
          ex.sendResponseHeaders(status, page.length);
          ex.getResponseBody().write(page);
          ex.close();
        });
    server.start();
    return "127.0.0.1:" + server.getAddress().getPort();
  }

  @ParameterizedTest
  @ValueSource(ints = {404, 200})
  void everyCommandFailsNamingTheAddress(int status) throws IOException {
    String address = serve(status);
    Path file = tmp.resolve("hosts");
    List<String[]> commands =
        List.of(
            new String[] {"resume", "-k", "hosts"},
            new String[] {"unlock", "-f", file.toString()},
            new String[] {"status"},
            new String[] {"status", "-k", "hosts"},
            new String[] {"raw", "-k", "kvexpress/hosts/data", "-f", file.toString()},
            new String[] {"out", "-k", "hosts", "-f", file.toString()},
            new String[] {"stop", "-k", "hosts", "-r", "maintenance"},
            new String[] {"lock", "-f", file.toString(), "-r", "maintenance"},
            new String[] {"rollback", "-k", "hosts"},
            new String[] {"diff", "-k", "hosts"});
    for (String[] argv : commands) {
      CliRun.Result r = CliRun.against(address).run(argv);
      // diff says trouble as diff(1) does: 2.
      int expected = argv[0].equals("diff") ? 2 : 1;
      assertThat(r.code()).as(String.join(" ", argv) + ": " + r.err()).isEqualTo(expected);
      assertThat(r.err())
          .as(String.join(" ", argv))
          .contains("what answers at " + address + " is not a Consul agent")
          .contains("check -s/--server and CONSUL_HTTP_ADDR");
    }
    CliRun.Result in = CliRun.against(address).stdin(Lines.hosts(10)).run("in", "-k", "hosts");
    assertThat(in.code()).as(in.err()).isEqualTo(1);
    assertThat(in.err()).contains("is not a Consul agent");
    assertThat(file).doesNotExist();
  }
}
