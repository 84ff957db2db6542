"""/settings: the home town is asked, understood with typos, remembered and changeable."""

from datetime import timedelta

from sqlmodel import Session

from bot.application import build_application
from bot.i18n import translator
from bot.models import User
from handlers.persistence import end_idle_restored_conversations
from tests.handlers.conftest import ChatDriver
from tests.helpers import plain

FR = translator("fr")


async def test_home_town_with_a_typo_is_saved(chat, sqlite_engine) -> None:
    anne = chat.user()
    [shown] = await chat.send(anne, "/settings")
    assert "Commune : non renseignée" in shown.plain
    [question] = await chat.press(anne, label=FR("settings.button_home"))
    assert question.plain == FR("settings.ask_home")
    [saved] = await chat.send(anne, "ploermell")
    assert saved.plain == FR("settings.home_saved", place="Ploërmel (56)")
    with Session(sqlite_engine) as session:
        assert session.get(User, anne.id).home_insee == "56165"
    [shown] = await chat.send(anne, "/settings")
    assert "Commune : Ploërmel (56)" in shown.plain


async def test_unknown_then_ambiguous_then_chosen(chat, sqlite_engine) -> None:
    anne = chat.user()
    await chat.send(anne, "/settings")
    await chat.press(anne, label=FR("settings.button_home"))
    [unknown] = await chat.send(anne, "Tataouine")
    assert unknown.plain == plain(FR("settings.home_unknown", text="Tataouine"))
    [choice] = await chat.send(anne, "Saint-Martin")
    assert choice.plain == FR("settings.home_ambiguous")
    labels = [b.text for row in choice.buttons for b in row]
    assert len(labels) > 1
    await chat.press(anne, index=1, message_id=choice.message_id)
    with Session(sqlite_engine) as session:
        assert session.get(User, anne.id).home_insee is not None


async def test_shared_location_sets_the_nearest_town(chat, sqlite_engine) -> None:
    anne = chat.user()
    await chat.send(anne, "/settings")
    await chat.press(anne, label=FR("settings.button_home"))
    [saved] = await chat.do(anne, "share_location", 47.651, -2.084)
    assert saved.plain == FR("settings.home_saved", place="Redon (35)")


async def test_cancel_leaves_it_unchanged(chat, sqlite_engine) -> None:
    anne = chat.user()
    await chat.send(anne, "/settings")
    await chat.press(anne, label=FR("settings.button_home"))
    [reply] = await chat.send(anne, "/annuler")
    assert reply.plain == FR("settings.home_cancelled")
    [after] = await chat.send(anne, "bonjour")
    assert after.plain != FR("settings.home_unknown", text="bonjour")


async def test_a_command_in_between_cancels_the_question(chat, sqlite_engine) -> None:
    anne = chat.user()
    await chat.send(anne, "/settings")
    await chat.press(anne, label=FR("settings.button_home"))
    await chat.send(anne, "/help")
    [reply] = await chat.send(anne, "Redon")  # now a search, not the answer to the question
    assert reply.plain != FR("settings.home_saved", place="Redon (35)")
    with Session(sqlite_engine) as session:
        assert session.get(User, anne.id).home_insee is None


async def _restarted(application, sandbox, clock):
    """A new Application on the same database, as after a restart (conversations restored)."""
    services = application.bot_data["services"]
    restarted = build_application(services.settings, engine=services.engine, clock=clock)
    await restarted.initialize()
    return restarted


async def test_a_question_restored_after_a_restart_still_times_out(
    chat, sandbox, sqlite_engine, clock
) -> None:
    """PTB's timeout job dies with the process; the restored question must not wait forever."""
    anne, bea = chat.user(), chat.user(43, "Béa")
    for person in (anne, bea):
        await chat.send(person, "/settings")
        await chat.press(person, label=FR("settings.button_home"))
    clock.advance(timedelta(minutes=10))
    await chat.send(bea, "/settings")  # Béa asks again later: her question is younger
    await chat.press(bea, label=FR("settings.button_home"))
    restarted = await _restarted(chat.application, sandbox, clock)
    try:
        clock.advance(timedelta(minutes=6))  # Anne's question is 16 minutes old, Béa's 6
        assert await end_idle_restored_conversations(restarted) == 1
        after = ChatDriver(sandbox, restarted)
        [reply] = await after.send(anne, "Redon")  # a search now, not the answer
        assert reply.plain != FR("settings.home_saved", place="Redon (35)")
        [saved] = await after.send(bea, "Redon")  # Béa's question still stands
        assert saved.plain == FR("settings.home_saved", place="Redon (35)")
    finally:
        await restarted.shutdown()
    with Session(sqlite_engine) as session:
        assert session.get(User, anne.id).home_insee is None
