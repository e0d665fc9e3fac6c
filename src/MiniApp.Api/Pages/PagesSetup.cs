using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.FileProviders;
using Microsoft.Net.Http.Headers;

namespace SchoolSafety.MiniApp.Api.Pages;

/// <summary>
/// The mini-app's pages (ClientApp, built by Vite into <c>ClientApp/dist</c> by the run and test scripts) served as
/// static files: hashed assets under <c>/assets/</c> cached for a year, the HTML never cached, every page with a
/// Content-Security-Policy that allows no inline script. Every path that is not an API or a file is a page route
/// (the app routes in the browser) and gets <c>index.html</c>. A host without the built pages still serves the API.
/// </summary>
public static class PagesSetup
{
    /// <summary>Where the built pages are; relative to the content root. Configurable as <c>MiniApp:PagesFolder</c>.</summary>
    public const string DefaultFolder = "ClientApp/dist";

    /// <summary>Only our own scripts; styles may be set by the components (Vant sets element styles); photos come from our signed links.</summary>
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; " +
        "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'self'";

    private static readonly string[] ApiPrefixes = ["/api", "/openapi", "/healthz", "/readyz"];

    /// <summary>Gzip for the pages' files (never for the API, whose answers carry tokens and personal data).</summary>
    public static IServiceCollection AddMiniAppPages(this IServiceCollection services) => services
        .Configure<Microsoft.AspNetCore.ResponseCompression.GzipCompressionProviderOptions>(o => o.Level = System.IO.Compression.CompressionLevel.Optimal)
        .AddResponseCompression(o =>
        {
            o.Providers.Add<Microsoft.AspNetCore.ResponseCompression.GzipCompressionProvider>();
            o.MimeTypes = ["text/html", "text/css", "text/javascript", "application/javascript", "image/svg+xml"];
        });

    public static WebApplication MapMiniAppPages(this WebApplication app)
    {
        app.UseWhen(c => !ApiPrefixes.Any(p => c.Request.Path.StartsWithSegments(p)), b => b.UseResponseCompression());
        var folder = Folder(app);
        IFileProvider? files = Directory.Exists(folder) ? new PhysicalFileProvider(folder) : null;
        if (files is not null)
        {
            app.UseStaticFiles(new StaticFileOptions
            {
                FileProvider = files,
                ContentTypeProvider = new FileExtensionContentTypeProvider(),
                OnPrepareResponse = c => SetHeaders(c.Context.Response, c.Context.Request.Path.StartsWithSegments("/assets")),
            });
        }
        else
        {
            app.Logger.LogWarning("The mini-app pages are not built ({Folder} is missing): the API works, the pages answer 404. Run scripts/run.sh or scripts/test.sh to build them.", folder);
        }

        app.MapFallback(async (HttpContext http) =>
        {
            var path = http.Request.Path;
            if (ApiPrefixes.Any(p => path.StartsWithSegments(p)) || Path.HasExtension(path.Value))
                return Problems.ForStatus(StatusCodes.Status404NotFound);
            var index = files?.GetFileInfo("index.html");
            if (index is not { Exists: true })
                return Problems.Of(StatusCodes.Status404NotFound, "pages.not_built", "页面尚未构建，请用项目的运行命令或测试命令先构建页面");
            SetHeaders(http.Response, immutable: false);
            await using var stream = index.CreateReadStream();
            http.Response.ContentType = "text/html; charset=utf-8";
            await stream.CopyToAsync(http.Response.Body, http.RequestAborted);
            return Results.Empty;
        }).AllowAnonymous().ExcludeFromDescription()
          // Pages are read, never written: another method on an API address keeps routing's 405 (the fallback would hide it).
          .WithMetadata(new HttpMethodMetadata(["GET", "HEAD"]));
        return app;
    }

    private static string Folder(WebApplication app)
    {
        var configured = app.Configuration["MiniApp:PagesFolder"];
        var folder = string.IsNullOrWhiteSpace(configured) ? DefaultFolder : configured;
        return Path.GetFullPath(folder, app.Environment.ContentRootPath);
    }

    private static void SetHeaders(HttpResponse response, bool immutable)
    {
        var headers = response.Headers;
        headers[HeaderNames.CacheControl] = immutable ? "public, max-age=31536000, immutable" : "no-cache, no-store, must-revalidate";
        headers[HeaderNames.ContentSecurityPolicy] = ContentSecurityPolicy;
        headers[HeaderNames.XContentTypeOptions] = "nosniff";
        headers["Referrer-Policy"] = "same-origin";
    }
}
