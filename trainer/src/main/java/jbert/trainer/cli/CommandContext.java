package jbert.trainer.cli;

import jbert.engine.BackendOptions;
import jbert.trainer.model.JbertHome;

import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;

/**
 * What every command is given by {@code Main}: the console, and the defaults that the process's system
 * properties and environment variables set, read once, here at the command line's edge. A command's
 * flags apply on top of them ({@link DeviceOption}); nothing below the commands reads a property or
 * an environment variable.
 *
 * @param console     the streams the command reads and prints
 * @param backend     the device settings before the command's flags ({@link BackendOptions#fromEnvironment})
 * @param environment the environment variables the data sources read ({@code JBERT_DATA}, {@code JBERT_HOME},
 *                    {@code JBERT_HUB_URL})
 * @param home        where downloaded and converted models are kept ({@link JbertHome})
 */
public record CommandContext(Console console, BackendOptions backend, Map<String, String> environment, Path home) {

    /**
     * The defaults of a process with these properties and environment.
     * @throws IllegalArgumentException naming the property or variable whose value is malformed
     */
    public static CommandContext of(Console console, Properties properties, Map<String, String> environment) {
        return new CommandContext(console, BackendOptions.fromEnvironment(properties, environment), Map.copyOf(environment),
                JbertHome.of(properties, environment));
    }
}
