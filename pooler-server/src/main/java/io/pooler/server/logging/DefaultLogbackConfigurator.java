package io.pooler.server.logging;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.core.spi.ContextAwareBase;

/**
 * Logback's first configuration, found through {@code META-INF/services}: PgBouncer's line format on
 * stderr from the first line on, and Netty at WARN, until {@link LoggingSetup#configure} knows the
 * logfile. Done in code rather than a {@code logback.xml} so that one method builds both configurations.
 *
 * <p>It steps aside when a {@code logback.xml}, a {@code logback-test.xml} or
 * {@code -Dlogback.configurationFile} is there: logback runs service configurators before looking for
 * those, so without this check it would silently ignore them.
 */
public final class DefaultLogbackConfigurator extends ContextAwareBase implements Configurator {
    @Override
    public ExecutionStatus configure(LoggerContext context) {
        if (configuredElsewhere(DefaultLogbackConfigurator.class.getClassLoader())) {
            return ExecutionStatus.INVOKE_NEXT_IF_ANY;
        }
        LoggingSetup.applyDefaults(context);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }

    static boolean configuredElsewhere(ClassLoader loader) {
        return System.getProperty("logback.configurationFile") != null
                || loader.getResource("logback-test.xml") != null
                || loader.getResource("logback.xml") != null;
    }
}
