package dev.rotor;

import dev.rotor.settings.SettingsCatalog;
import dev.rotor.status.ManagementHost;
import org.apache.camel.main.Main;

/** Camel-main with Rotor's configuration, settings read from ./application.properties. */
public class RotorApplication extends Main {

    public RotorApplication() {
        setDefaultPropertyPlaceholderLocation("file:application.properties;optional=true");
        // the settings model's defaults, beneath the file, the environment and -D: the routes' {{rotor.*}} resolve to
        // them
        SettingsCatalog.defaults().forEach(this::addInitialProperty);
        // the management port has no authentication: on this machine only, unless a setting opens it
        addInitialProperty(ManagementHost.KEY, ManagementHost.DEFAULT);
        configure().addConfiguration(new RotorConfiguration(this::finish));
    }

    /** Ends a batch run: stops Camel and makes {@link #run} return this exit code. */
    void finish(int code) {
        exitCode.set(code);
        completed();
    }
}
