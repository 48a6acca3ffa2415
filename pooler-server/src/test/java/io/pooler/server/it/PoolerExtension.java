package io.pooler.server.it;

import io.pooler.testing.PostgresExtension;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Hands each test its own {@link PoolerFixture}, not started, in front of the shared test PostgreSQL,
 * and closes it when the test ends, failed or not. Use it through {@link PoolerTest}.
 *
 * <p>The fixture is injected into the test class's constructor, {@code @BeforeEach} methods and the
 * test method; within one test they all get the same fixture. The constructor is the natural place
 * for what every test of the class shares (users, settings, and {@code start()} when every test wants
 * a running pooler); a test method adds its own settings before it starts the pooler itself.
 *
 * <p>The roles and database of {@link TestRoles} exist before the first test of the class runs.
 *
 * <p>NOTE: one fixture per test method needs JUnit's default per-method test instances; a class
 * with {@link TestInstance.Lifecycle#PER_CLASS} is refused rather than given a fixture that outlives
 * its test.
 */
public final class PoolerExtension implements BeforeAllCallback, ParameterResolver {
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(PoolerExtension.class);

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        TestRoles.ensure(PostgresExtension.instance());
    }

    /** Constructors are resolved in the test method's context, so each test gets a fresh fixture. */
    @Override
    public ExtensionContextScope getTestInstantiationExtensionContextScope(ExtensionContext rootContext) {
        return ExtensionContextScope.TEST_METHOD;
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == PoolerFixture.class;
    }

    @Override
    public PoolerFixture resolveParameter(ParameterContext parameter, ExtensionContext context) {
        if (context.getTestMethod().isEmpty()) {
            throw new ParameterResolutionException("a PoolerFixture belongs to one test method; it cannot be injected into "
                    + parameter.getDeclaringExecutable() + " (a @BeforeAll method, or a PER_CLASS test instance)");
        }
        // The store closes the fixture (an AutoCloseable) when the test's context ends, after @AfterEach.
        return context.getStore(NAMESPACE).getOrComputeIfAbsent(PoolerFixture.class,
                k -> new PoolerFixture(PostgresExtension.instance()), PoolerFixture.class);
    }
}
