using TopNWords.TaskRunner;

return TaskRunnerCommand.Run(args, Console.Out, Console.Error, Environment.GetEnvironmentVariable, Environment.CurrentDirectory);
