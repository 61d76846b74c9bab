package dev.rotor.task;

/** The input is not a usable task; the message says why, for the dead letter. */
public class InvalidTaskException extends Exception {

    private final String taskId;

    public InvalidTaskException(String taskId, String reason) {
        super(reason);
        this.taskId = taskId;
    }

    /** A safe id to file the dead letter under (the task's own when valid, else one derived from the source). */
    public String taskId() {
        return taskId;
    }
}
