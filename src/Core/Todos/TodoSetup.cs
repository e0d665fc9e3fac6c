using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using SchoolSafety.Core.Notifications;

namespace SchoolSafety.Core.Todos;

public static class TodoSetup
{
    /// <summary>DingTalk to-dos: the option, the store, the sync and the outbox renderers of its two topics.</summary>
    public static IServiceCollection AddTodos(this IServiceCollection services)
    {
        services.AddOptions<TodoOptions>().BindConfiguration(TodoOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton<TodoStore>();
        services.TryAddSingleton<TodoSync>();
        services.TryAddSingleton<TodoRelease>();
        services.AddSingleton<IOutboxTopicRenderer>(sp => new TodoTopicRenderer(sp.GetRequiredService<TodoSync>(), TodoSync.ClueTopic));
        services.AddSingleton<IOutboxTopicRenderer>(sp => new TodoTopicRenderer(sp.GetRequiredService<TodoSync>(), TodoSync.GuidanceTopic));
        return services;
    }
}
