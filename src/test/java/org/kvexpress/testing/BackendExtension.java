package org.kvexpress.testing;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * A fresh, empty {@link Backend} for every test, closed after it: the set-up every end-to-end test
 * shares. A test (or its {@code @BeforeEach}) takes it as a {@code Backend} parameter.
 * {@code @ExtendWith} gives one without ACLs; {@code @RegisterExtension static BackendExtension b =
 * BackendExtension.withAcl(TOKEN)} one that enforces ACLs with that management token.
 */
public final class BackendExtension
    implements BeforeEachCallback, AfterEachCallback, ParameterResolver {
  private static final ExtensionContext.Namespace NS =
      ExtensionContext.Namespace.create(BackendExtension.class);
  private final Backend.Acl acl;

  public BackendExtension() {
    this(null);
  }

  private BackendExtension(Backend.Acl acl) {
    this.acl = acl;
  }

  /**
   * Backends that enforce ACLs (default deny) with {@code token} as a management token (a UUID).
   */
  public static BackendExtension withAcl(String token) {
    return new BackendExtension(new Backend.Acl(token));
  }

  @Override
  public void beforeEach(ExtensionContext context) throws Exception {
    context.getStore(NS).put("backend", Backend.start(acl));
  }

  @Override
  public void afterEach(ExtensionContext context) {
    Backend b = context.getStore(NS).remove("backend", Backend.class);
    if (b != null) {
      b.close();
    }
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == Backend.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    return context.getStore(NS).get("backend", Backend.class);
  }
}
