namespace TopNWords.Batch;

/// <summary>
/// Gives the word-count task runner that suits the nodes of the registered backend: inject it, and pass its application
/// to <see cref="WordCountJob.CreateDefinition"/>. The task application is chosen per run (it is part of the
/// <see cref="BatchRunDefinition"/>), so the registration offers it rather than imposing it.
/// </summary>
public interface ITaskRunnerProvider
{
    /// <summary>Gets the task runner application.</summary>
    /// <returns>The application; on the local backend, <see cref="TaskApplication.TopNWordsTaskRunner"/> from the application's folder.</returns>
    /// <exception cref="IOException">The task runner's files are not where the configuration says; the message names the folder.</exception>
    TaskApplication GetTaskRunner();
}
