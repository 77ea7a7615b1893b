package jbert.trainer;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The project version (filtered into version.properties by Maven) and the runtime it runs on. */
public final class Version {
    private Version() {}

    public static final String JBERT = read();

    private static String read() {
        try (InputStream in = Version.class.getResourceAsStream("version.properties")) {
            if (in == null) return "dev";
            Properties p = new Properties();
            p.load(in);
            String v = p.getProperty("version", "dev");
            return v.startsWith("${") ? "dev" : v;
        } catch (IOException e) {
            return "dev";
        }
    }

    public static String java() {
        return Runtime.version() + " (" + System.getProperty("java.vendor", "?") + ")";
    }

    public static String os() {
        return System.getProperty("os.name") + " " + System.getProperty("os.arch") + ", "
                + Runtime.getRuntime().availableProcessors() + " cores";
    }
}
