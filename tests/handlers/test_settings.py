"""/settings: the home town is asked, understood with typos, remembered and changeable."""

from sqlmodel import Session

from bot.i18n import translator
from bot.models import User
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
