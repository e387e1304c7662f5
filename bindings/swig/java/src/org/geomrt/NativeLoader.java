package org.geomrt;

import java.io.File;
import java.net.URISyntaxException;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.List;

/**
 * Loads the JNI library (libgeomrt_java.so) by absolute path, so no -Djava.library.path
 * is needed. Tried in order:
 * <ol>
 *   <li>the system property {@code geomrt.jni.library} (a file path), if set;</li>
 *   <li>the directory of the jar (or class directory) this class comes from, which is
 *       where the build tree puts both;</li>
 *   <li>the install location relative to the jar ({@code <prefix>/share/java/geomrt.jar}
 *       finds {@code <prefix>/<libdir>/geomrt/java/});</li>
 *   <li>{@code System.loadLibrary("geomrt_java")} (java.library.path).</li>
 * </ol>
 * The JNI library finds libgeomrt through its RUNPATH, and libgeomrt finds the plugins.
 */
final class NativeLoader {
    private NativeLoader() {}

    /** System property naming the JNI library file. */
    static final String PROPERTY = "geomrt.jni.library";

    private static boolean loaded;

    static synchronized void load() {
        if (loaded) return;
        List<String> tried = new ArrayList<>();
        String explicit = System.getProperty(PROPERTY);
        if (explicit != null && !explicit.isEmpty()) {
            System.load(new File(explicit).getAbsolutePath());
            loaded = true;
            return;
        }
        File base = codeLocation();
        if (base != null) {
            File[] candidates = {
                new File(base, NativeConfig.LIBRARY_FILE),
                new File(new File(base, NativeConfig.INSTALLED_RELATIVE_DIR), NativeConfig.LIBRARY_FILE),
            };
            for (File f : candidates) {
                tried.add(f.getPath());
                if (f.isFile()) {
                    System.load(f.getAbsolutePath());
                    loaded = true;
                    return;
                }
            }
        }
        try {
            System.loadLibrary("geomrt_java");
            loaded = true;
        } catch (UnsatisfiedLinkError e) {
            UnsatisfiedLinkError err = new UnsatisfiedLinkError(
                "geomrt: cannot find the JNI library " + NativeConfig.LIBRARY_FILE + "; tried " + tried
                + " and java.library.path. Set -D" + PROPERTY + "=/path/to/" + NativeConfig.LIBRARY_FILE);
            err.initCause(e);
            throw err;
        }
    }

    /** Directory holding the jar (or the class directory) this class was loaded from. */
    private static File codeLocation() {
        try {
            CodeSource src = NativeLoader.class.getProtectionDomain().getCodeSource();
            if (src == null || src.getLocation() == null) return null;
            File f = new File(src.getLocation().toURI()).getAbsoluteFile();
            return f.isFile() ? f.getParentFile() : f;
        } catch (URISyntaxException | SecurityException | IllegalArgumentException e) {
            return null;
        }
    }
}
