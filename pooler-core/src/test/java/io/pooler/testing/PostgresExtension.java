package io.pooler.testing;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives tests a real PostgreSQL: {@code @ExtendWith(PostgresExtension.class)} or
 * {@code @RegisterExtension}. One server per test JVM, started on first use and stopped by a
 * shutdown hook. Injects {@link PostgresInstance} into test methods, constructors,
 * {@code @BeforeEach} and {@code @BeforeAll}.
 *
 * <p>Before each test class the server is started again if an earlier class left it stopped,
 * so a failure test that stops it cannot break the classes after it.
 */
public final class PostgresExtension implements BeforeAllCallback, ParameterResolver {

    private static PostgresInstance shared;
    // Kept so that every later test class fails at once with the cause, instead of each waiting for its own try.
    private static IllegalStateException startFailure;

    /** The shared server, started on the first call. */
    public static synchronized PostgresInstance instance() {
        if (startFailure != null) {
            throw startFailure;
        }
        if (shared == null) {
            try {
                shared = Postgres.startThrowaway(0);
            } catch (Exception e) {
                startFailure = new IllegalStateException("could not start the test PostgreSQL: " + e.getMessage(), e);
                throw startFailure;
            }
        }
        return shared;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        instance().start();
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == PostgresInstance.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        try {
            PostgresInstance instance = instance();
            instance.start();
            return instance;
        } catch (Exception e) {
            throw new ParameterResolutionException("could not start the test PostgreSQL", e);
        }
    }
}
